/**
 * Bad input for every procedure that takes input: wrong types, missing
 * fields, empty and whitespace-only text, over-long bodies, control
 * characters, malformed, unknown and other workspaces' ids, huge limits and
 * negative sequences. Each call goes over the wire (JSON through tRPC's fetch
 * adapter) as a caller who could do everything with good input, and must get
 *
 * - BAD_REQUEST (HTTP 400) whose message has a "field: reason" line naming
 *   the offending field (and, for validation errors, that field in
 *   `data.fieldErrors`), or
 * - NOT_FOUND (HTTP 404) for ids that name nothing the caller can see,
 *
 * never INTERNAL_SERVER_ERROR, with the database unchanged afterwards.
 * The router is enumerated: a procedure with input and no case fails.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, test } from "vitest";
import { env } from "@/lib/env";
import { postFile, putFile } from "@/server/files/http";
import { uploadWhole } from "@/server/files/write";
import { appRouter } from "@/server/routers/_app";
import { newUser, newWorkspace, type TestUser } from "@/testing/api";
import { testDatabase } from "@/testing/db";
import { type Scope, snapshot } from "@/testing/snapshot";
import { callOverWire } from "@/testing/wire";

const { db } = testDatabase("pg", 10);

interface Fixture {
  owner: TestUser;
  member: TestUser;
  /** Owns the other workspace; not in ours. */
  other: TestUser;
  workspaceId: string;
  channelId: string;
  conversationId: string;
  /** The owner's message in the channel, and one in the conversation. */
  messageId: string;
  conversationMessageId: string;
  /** A reply to messageId, in its thread. */
  replyId: string;
  inviteId: string;
  // The same kinds of things in the other workspace.
  otherWorkspaceId: string;
  otherChannelId: string;
  otherConversationId: string;
  otherMessageId: string;
  otherInviteId: string;
  otherTokenId: string;
  /** An email invitation of our workspace, and one of the other workspace to someone else. */
  invitationId: string;
  otherInvitationId: string;
  /** The owner's stored upload no message took, one on a message, one still uploading. */
  fileId: string;
  attachedFileId: string;
  pendingFileId: string;
  /** The member's upload (someone else's, to the owner), and one in the other workspace. */
  memberFileId: string;
  otherFileId: string;
}

type Input = (fx: Fixture) => unknown;
interface Case {
  name: string;
  input: Input;
  /** BAD_REQUEST naming `field` (null: a request with no JSON to name a field of), or NOT_FOUND. */
  expect: { field: string | null } | "NOT_FOUND";
}

const bad = (name: string, field: string, input: Input): Case => ({
  name,
  input,
  expect: { field },
});
const unknown = (name: string, input: Input): Case => ({ name, input, expect: "NOT_FOUND" });

const SIGN_UP_DOMAIN = "bad-input.test";
const long = (length: number, char = "a") => char.repeat(length);
const MALFORMED_UUID = "12345678-1234-1234-1234-12345678901g";

/** Every way to get an id wrong, for a procedure whose input is `wrap({ [field]: id })`. */
function idCases(
  field: string,
  wrap: (fx: Fixture, id: unknown) => unknown,
  otherWorkspaces: (fx: Fixture) => string,
): Case[] {
  return [
    bad(`${field} missing`, field, (fx) => wrap(fx, undefined)),
    bad(`${field} not a UUID`, field, (fx) => wrap(fx, "not-a-uuid")),
    bad(`${field} almost a UUID`, field, (fx) => wrap(fx, MALFORMED_UUID)),
    bad(`${field} a number`, field, (fx) => wrap(fx, 42)),
    bad(`${field} null`, field, (fx) => wrap(fx, null)),
    bad(`${field} with a NUL`, field, (fx) => wrap(fx, `${randomUUID()}\u0000`)),
    unknown(`${field} unknown`, (fx) => wrap(fx, randomUUID())),
    unknown(`${field} of another workspace or person`, (fx) => wrap(fx, otherWorkspaces(fx))),
  ];
}

/** workspaceId mistakes; `extra` is otherwise good input, so only the workspace is wrong. */
const workspaceIdCases = (extra: (fx: Fixture) => object = () => ({})) =>
  idCases(
    "workspaceId",
    (fx, workspaceId) => ({ workspaceId, ...extra(fx) }),
    (fx) => fx.otherWorkspaceId,
  );
const channelIdCases = (extra: (fx: Fixture) => object = () => ({})) =>
  idCases(
    "channelId",
    (fx, channelId) => ({ channelId, ...extra(fx) }),
    (fx) => fx.otherChannelId,
  );
const messageIdCases = (extra: object = {}) =>
  idCases(
    "messageId",
    (_fx, messageId) => ({ messageId, ...extra }),
    (fx) => fx.otherMessageId,
  );

/** channelId / conversationId mistakes for procedures on a message target. */
const targetCases = (extra: (fx: Fixture) => object): Case[] => [
  ...channelIdCases(extra),
  // (Without either id, the error names channelId: see "neither" below.)
  ...idCases(
    "conversationId",
    (fx, conversationId) => ({ conversationId, ...extra(fx) }),
    (fx) => fx.otherConversationId,
  ).filter((c) => c.name !== "conversationId missing"),
  bad("neither channelId nor conversationId", "channelId", (fx) => extra(fx)),
  bad("both channelId and conversationId", "channelId", (fx) => ({
    channelId: fx.channelId,
    conversationId: fx.conversationId,
    ...extra(fx),
  })),
];

/** Bad text for a required single-line field. */
const lineCases = (field: string, max: number, rest: (fx: Fixture) => object): Case[] => [
  bad(`${field} missing`, field, rest),
  bad(`${field} empty`, field, (fx) => ({ ...rest(fx), [field]: "" })),
  bad(`${field} whitespace only`, field, (fx) => ({ ...rest(fx), [field]: " \t  " })),
  bad(`${field} too long`, field, (fx) => ({ ...rest(fx), [field]: long(max + 1) })),
  bad(`${field} with a NUL`, field, (fx) => ({ ...rest(fx), [field]: "a\u0000b" })),
  bad(`${field} with a bell`, field, (fx) => ({ ...rest(fx), [field]: "ding\u0007" })),
  bad(`${field} with a line break`, field, (fx) => ({ ...rest(fx), [field]: "two\nlines" })),
  bad(`${field} a number`, field, (fx) => ({ ...rest(fx), [field]: 42 })),
  bad(`${field} a list`, field, (fx) => ({ ...rest(fx), [field]: ["a"] })),
];

/** Bad message bodies. */
const bodyCases = (rest: (fx: Fixture) => object): Case[] => [
  bad("body missing", "body", rest),
  bad("body empty", "body", (fx) => ({ ...rest(fx), body: "" })),
  bad("body whitespace only", "body", (fx) => ({ ...rest(fx), body: " \n\t\r\n " })),
  bad("body of 4,001 characters", "body", (fx) => ({ ...rest(fx), body: long(4001) })),
  bad("body of 4,001 emoji", "body", (fx) => ({ ...rest(fx), body: long(4001, "👍") })),
  bad("body with a NUL", "body", (fx) => ({ ...rest(fx), body: "hello\u0000" })),
  bad("body with a bell", "body", (fx) => ({ ...rest(fx), body: "\u0007 ding" })),
  bad("body with a bidi override", "body", (fx) => ({ ...rest(fx), body: "abc\u202edef" })),
  bad("body a number", "body", (fx) => ({ ...rest(fx), body: 42 })),
  bad("body an object", "body", (fx) => ({ ...rest(fx), body: { text: "hi" } })),
];

/** Bad emoji for react / unreact. */
const emojiCases = (rest: (fx: Fixture) => object): Case[] => [
  bad("emoji missing", "emoji", rest),
  bad("emoji empty", "emoji", (fx) => ({ ...rest(fx), emoji: "" })),
  bad("emoji is text", "emoji", (fx) => ({ ...rest(fx), emoji: ":thumbsup:" })),
  bad("emoji too long", "emoji", (fx) => ({ ...rest(fx), emoji: long(17, "👍") })),
  bad("emoji with a NUL", "emoji", (fx) => ({ ...rest(fx), emoji: "👍\u0000" })),
  bad("emoji a number", "emoji", (fx) => ({ ...rest(fx), emoji: 1 })),
];

/** Bad positive whole numbers (sequences, positions). */
const sequenceCases = (field: string, rest: (fx: Fixture) => object): Case[] => [
  bad(`${field} negative`, field, (fx) => ({ ...rest(fx), [field]: -1 })),
  bad(`${field} a fraction`, field, (fx) => ({ ...rest(fx), [field]: 1.5 })),
  bad(`${field} beyond 32 bits`, field, (fx) => ({ ...rest(fx), [field]: 2 ** 31 })),
  bad(`${field} huge`, field, (fx) => ({ ...rest(fx), [field]: 1e300 })),
  bad(`${field} a word`, field, (fx) => ({ ...rest(fx), [field]: "three" })),
];

/** Bad page sizes. */
const limitCases = (max: number, rest: (fx: Fixture) => object): Case[] =>
  (
    [
      ["zero", 0],
      ["negative", -1],
      [`over ${max}`, max + 1],
      ["a fraction", 1.5],
      ["a string", "10"],
    ] as const
  ).map(([what, limit]) => bad(`limit ${what}`, "limit", (fx) => ({ ...rest(fx), limit })));

/**
 * Cursors that are not one this listing gave: each is refused, never read as
 * the first page ("!!!" decodes to nothing in Node's lenient base64).
 */
const cursorCases = (rest: (fx: Fixture) => object): Case[] =>
  (
    [
      ["garbage", "!!!"],
      ["empty", ""],
      ["not ours", "bm90IGEgY3Vyc29y"],
      ["JSON of another shape", Buffer.from('{"offset":-1,"at":1}').toString("base64url")],
      ["padded", `${Buffer.from('{"offset":5}').toString("base64url")}==`],
      ["too long", long(401)],
      ["a number", 5],
      ["null", null],
    ] as const
  ).map(([what, cursor]) => bad(`cursor ${what}`, "cursor", (fx) => ({ ...rest(fx), cursor })));

/** Bad stream positions (lastEventId) for the subscriptions that resume. */
const lastEventIdCases = (rest: (fx: Fixture) => object): Case[] =>
  (
    [
      ["negative", -1],
      ["a fraction", 1.5],
      ["a word", "three"],
      ["huge", 1e300],
      ["a boolean", true],
    ] as const
  ).map(([what, lastEventId]) =>
    bad(`lastEventId ${what}`, "lastEventId", (fx) => ({ ...rest(fx), lastEventId })),
  );

/** Bad secrets from mailed links (reset, confirmation, invitation). */
function tokenCases(rest: () => object): Case[] {
  return [
    ["missing", undefined],
    ["empty", ""],
    ["too short", "abc"],
    ["with other characters", `${"A".repeat(30)}!?`],
    ["too long", long(101, "A")],
    ["with a NUL", `${"A".repeat(30)}\u0000`],
    ["a number", 12345],
  ].map(([what, token]) => bad(`token ${what}`, "token", () => ({ ...rest(), token })));
}

const inviteCodeCases: Case[] = [
  bad("code missing", "code", () => ({})),
  bad("code empty", "code", () => ({ code: "" })),
  bad("code whitespace only", "code", () => ({ code: "   " })),
  bad("code too long", "code", () => ({ code: long(65, "x") })),
  bad("code a number", "code", () => ({ code: 1234 })),
  bad("code with a NUL", "code", () => ({ code: "abc\u0000def" })),
  bad("code with a bell", "code", () => ({ code: "abc\u0007def" })),
  unknown("code unknown", () => ({ code: "NoSuchInviteCode123" })),
];

const CASES: Record<string, Case[]> = {
  "auth.signUp": [
    ...lineCases("name", 80, () => ({
      email: `${randomUUID()}@${SIGN_UP_DOMAIN}`,
      password: "correct horse battery staple",
    })),
    ...[
      ["missing", undefined],
      ["a number", 42],
      ["not an address", "not-an-email"],
      ["with a NUL", `a\u0000b@${SIGN_UP_DOMAIN}`],
      ["too long", `${long(320)}@${SIGN_UP_DOMAIN}`],
    ].map(([what, email]) =>
      bad(`email ${what}`, "email", () => ({
        email,
        name: "Someone",
        password: "correct horse battery staple",
      })),
    ),
    ...[
      ["missing", undefined],
      ["too short", "short"],
      ["too long", long(257)],
      ["a number", 12345678901],
      // Weak passwords (issue #12, finding 13).
      ["one repeated character", "aaaaaaaaaa"],
      ["digits in a row", "1234567890"],
      ["ten spaces", "          "],
      ["a common password", "password12"],
      ["a common password in capitals", "QWERTYUIOP"],
    ].map(([what, password]) =>
      bad(`password ${what}`, "password", () => ({
        email: `${randomUUID()}@${SIGN_UP_DOMAIN}`,
        name: "Someone",
        password,
      })),
    ),
    bad("password is the email", "password", () => {
      const email = `someone.long.${randomUUID().slice(0, 8)}@${SIGN_UP_DOMAIN}`;
      return { email, name: "Someone", password: email };
    }),
  ],

  "user.changePassword": [
    bad("currentPassword missing", "currentPassword", () => ({
      newPassword: "a brand new passphrase",
    })),
    bad("currentPassword empty", "currentPassword", () => ({
      currentPassword: "",
      newPassword: "a brand new passphrase",
    })),
    bad("currentPassword too long", "currentPassword", () => ({
      currentPassword: long(1025),
      newPassword: "a brand new passphrase",
    })),
    ...[
      ["missing", undefined],
      ["too short", "short"],
      ["ten spaces", "          "],
      ["a common password", "1234567890"],
      ["a number", 1234567890123],
    ].map(([what, newPassword]) =>
      bad(`newPassword ${what}`, "newPassword", () => ({
        currentPassword: "correct horse battery staple",
        newPassword,
      })),
    ),
    bad("newPassword is the email", "newPassword", (fx) => ({
      currentPassword: "correct horse battery staple",
      newPassword: fx.owner.email,
    })),
    bad("signOutEverywhere a string", "signOutEverywhere", () => ({
      currentPassword: "correct horse battery staple",
      newPassword: "a brand new passphrase",
      signOutEverywhere: "yes",
    })),
  ],
  "user.signOutEverywhere": [
    bad("revokeTokens a string", "revokeTokens", () => ({ revokeTokens: "yes" })),
  ],

  "token.create": lineCases("name", 80, () => ({})),
  "token.revoke": [
    ...idCases(
      "tokenId",
      (_fx, tokenId) => ({ tokenId }),
      (fx) => fx.otherTokenId,
    ),
  ],

  "workspace.create": lineCases("name", 80, () => ({})),
  "workspace.get": workspaceIdCases(),
  "workspace.createInvite": [
    ...workspaceIdCases(),
    ...[
      ["zero", 0],
      ["negative", -1],
      ["over 30 days", 721],
      ["huge", 1e12],
      ["a fraction", 1.5],
      ["a string", "24"],
    ].map(([what, expiresInHours]) =>
      bad(`expiresInHours ${what}`, "expiresInHours", (fx) => ({
        workspaceId: fx.workspaceId,
        expiresInHours,
      })),
    ),
    ...[
      ["zero", 0],
      ["negative", -3],
      ["huge", 10_001],
      ["a fraction", 2.5],
      ["a string", "5"],
    ].map(([what, maxUses]) =>
      bad(`maxUses ${what}`, "maxUses", (fx) => ({ workspaceId: fx.workspaceId, maxUses })),
    ),
  ],
  "workspace.listInvites": workspaceIdCases(),
  "workspace.revokeInvite": [
    ...workspaceIdCases((fx) => ({ inviteId: fx.inviteId })),
    ...idCases(
      "inviteId",
      (fx, inviteId) => ({ workspaceId: fx.workspaceId, inviteId }),
      (fx) => fx.otherInviteId,
    ),
  ],
  "workspace.inviteInfo": inviteCodeCases,
  "workspace.join": inviteCodeCases,
  "workspace.members": workspaceIdCases(),
  "workspace.addMember": [
    ...workspaceIdCases((fx) => ({ email: fx.member.email })),
    bad("email missing", "email", (fx) => ({ workspaceId: fx.workspaceId })),
    bad("email not an address", "email", (fx) => ({ workspaceId: fx.workspaceId, email: "x" })),
    bad("email with a NUL", "email", (fx) => ({
      workspaceId: fx.workspaceId,
      email: "a\u0000@example.test",
    })),
    bad("email a list", "email", (fx) => ({ workspaceId: fx.workspaceId, email: ["a@b.c"] })),
    bad("email of 40,000 characters", "email", (fx) => ({
      workspaceId: fx.workspaceId,
      email: `${long(40_000)}@example.test`,
    })),
    // An address without an account is not an error: it gets the same invitation.
  ],
  "workspace.listInvitations": workspaceIdCases(),
  "workspace.revokeInvitation": [
    ...workspaceIdCases((fx) => ({ invitationId: fx.invitationId })),
    ...idCases(
      "invitationId",
      (fx, invitationId) => ({ workspaceId: fx.workspaceId, invitationId }),
      (fx) => fx.otherInvitationId,
    ),
  ],
  "workspace.acceptInvitation": idCases(
    "invitationId",
    (_fx, invitationId) => ({ invitationId }),
    (fx) => fx.otherInvitationId,
  ),
  "workspace.declineInvitation": idCases(
    "invitationId",
    (_fx, invitationId) => ({ invitationId }),
    (fx) => fx.otherInvitationId,
  ),
  "workspace.setRole": [
    ...workspaceIdCases((fx) => ({ userId: fx.member.id, role: "admin" })),
    ...idCases(
      "userId",
      (fx, userId) => ({ workspaceId: fx.workspaceId, userId, role: "admin" }),
      (fx) => fx.other.id,
    ),
    ...[
      ["missing", undefined],
      ["unknown", "superuser"],
      ["upper case", "ADMIN"],
      ["a number", 1],
    ].map(([what, role]) =>
      bad(`role ${what}`, "role", (fx) => ({
        workspaceId: fx.workspaceId,
        userId: fx.member.id,
        role,
      })),
    ),
  ],
  "workspace.removeMember": [
    ...workspaceIdCases((fx) => ({ userId: fx.member.id })),
    ...idCases(
      "userId",
      (fx, userId) => ({ workspaceId: fx.workspaceId, userId }),
      (fx) => fx.other.id,
    ),
  ],
  "workspace.leave": workspaceIdCases(),
  "workspace.online": workspaceIdCases(),
  "workspace.onEvent": [
    ...workspaceIdCases(),
    // Without a channel or conversation the stream is the workspace's alone, which is fine.
    ...idCases(
      "channelId",
      (fx, channelId) => ({ workspaceId: fx.workspaceId, channelId }),
      (fx) => fx.otherChannelId,
    ).filter((c) => c.name !== "channelId missing"),
    ...idCases(
      "conversationId",
      (fx, conversationId) => ({ workspaceId: fx.workspaceId, conversationId }),
      (fx) => fx.otherConversationId,
    ).filter((c) => c.name !== "conversationId missing"),
    bad("both channelId and conversationId", "channelId", (fx) => ({
      workspaceId: fx.workspaceId,
      channelId: fx.channelId,
      conversationId: fx.conversationId,
    })),
    ...lastEventIdCases((fx) => ({ workspaceId: fx.workspaceId })),
  ],

  "channel.create": [
    ...workspaceIdCases(() => ({ name: "fine-name" })),
    ...[
      ["missing", undefined],
      ["empty", ""],
      ["whitespace only", "   "],
      ["upper case", "General"],
      ["with a space", "two words"],
      ["not ASCII", "café"],
      ["too long", long(81)],
      ["with a NUL", "a\u0000b"],
      ["a number", 7],
    ].map(([what, name]) =>
      bad(`name ${what}`, "name", (fx) => ({ workspaceId: fx.workspaceId, name })),
    ),
    bad("isPrivate a string", "isPrivate", (fx) => ({
      workspaceId: fx.workspaceId,
      name: "fine-name",
      isPrivate: "yes",
    })),
    bad("isPrivate a number", "isPrivate", (fx) => ({
      workspaceId: fx.workspaceId,
      name: "fine-name",
      isPrivate: 1,
    })),
    ...[
      ["too long", long(251)],
      ["with a NUL", "a\u0000"],
      ["with a line break", "two\nlines"],
      ["a number", 3],
    ].map(([what, topic]) =>
      bad(`topic ${what}`, "topic", (fx) => ({
        workspaceId: fx.workspaceId,
        name: "fine-name",
        topic,
      })),
    ),
  ],
  "channel.list": workspaceIdCases(),
  "channel.get": channelIdCases(),
  "channel.members": channelIdCases(),
  "channel.join": channelIdCases(),
  "channel.leave": channelIdCases(),
  "channel.addMember": [
    ...channelIdCases((fx) => ({ userId: fx.member.id })),
    ...idCases(
      "userId",
      (fx, userId) => ({ channelId: fx.channelId, userId }),
      (fx) => fx.other.id,
    ),
  ],
  "channel.removeMember": [
    ...channelIdCases((fx) => ({ userId: fx.member.id })),
    ...idCases(
      "userId",
      (fx, userId) => ({ channelId: fx.channelId, userId }),
      (fx) => fx.other.id,
    ),
  ],
  "channel.update": [
    ...channelIdCases(() => ({ topic: "fine" })),
    bad("neither name, topic nor broadcast", "name, topic, broadcast", (fx) => ({
      channelId: fx.channelId,
    })),
    bad("broadcast unknown", "broadcast", (fx) => ({ channelId: fx.channelId, broadcast: "all" })),
    ...[
      ["empty", ""],
      ["upper case", "Loud"],
      ["too long", long(81)],
      ["a number", 5],
    ].map(([what, name]) =>
      bad(`name ${what}`, "name", (fx) => ({ channelId: fx.channelId, name })),
    ),
    ...[
      ["too long", long(251)],
      ["with a bell", "\u0007"],
      ["a list", ["t"]],
    ].map(([what, topic]) =>
      bad(`topic ${what}`, "topic", (fx) => ({ channelId: fx.channelId, topic })),
    ),
  ],
  "channel.archive": channelIdCases(),
  "channel.unarchive": channelIdCases(),
  "channel.typing": [
    ...targetCases(() => ({})),
    bad("threadId not a UUID", "threadId", (fx) => ({
      channelId: fx.channelId,
      threadId: "not-a-uuid",
    })),
    bad("threadId a reply, not a thread's root", "threadId", (fx) => ({
      channelId: fx.channelId,
      threadId: fx.replyId,
    })),
    unknown("threadId unknown", (fx) => ({ channelId: fx.channelId, threadId: randomUUID() })),
    unknown("threadId of another conversation", (fx) => ({
      channelId: fx.channelId,
      threadId: fx.conversationMessageId,
    })),
    unknown("threadId of another workspace", (fx) => ({
      channelId: fx.channelId,
      threadId: fx.otherMessageId,
    })),
  ],
  "channel.onTyping": targetCases(() => ({})),

  "conversation.open": [
    ...workspaceIdCases((fx) => ({ userIds: [fx.member.id] })),
    ...(
      [
        ["missing", () => undefined],
        ["a string", () => "someone"],
        ["empty", () => []],
        ["eleven people", () => Array.from({ length: 11 }, () => randomUUID())],
        ["ten people besides me", () => Array.from({ length: 10 }, () => randomUUID())],
        ["only me", (fx: Fixture) => [fx.owner.id]],
      ] as const
    ).map(([what, userIds]) =>
      bad(`userIds ${what}`, "userIds", (fx) => ({
        workspaceId: fx.workspaceId,
        userIds: userIds(fx),
      })),
    ),
    bad("userIds with a malformed id", "userIds.1", (fx) => ({
      workspaceId: fx.workspaceId,
      userIds: [fx.member.id, "not-a-uuid"],
    })),
    unknown("userIds with an unknown person", (fx) => ({
      workspaceId: fx.workspaceId,
      userIds: [fx.member.id, randomUUID()],
    })),
    unknown("userIds with someone from another workspace", (fx) => ({
      workspaceId: fx.workspaceId,
      userIds: [fx.other.id],
    })),
  ],
  "conversation.list": workspaceIdCases(),
  "conversation.get": idCases(
    "conversationId",
    (_fx, conversationId) => ({ conversationId }),
    (fx) => fx.otherConversationId,
  ),

  "message.send": [
    ...targetCases(() => ({ body: "hello", clientMessageId: randomUUID() })),
    ...(
      [
        ["not a list", "fileIds", () => "abc"],
        ["with a malformed id", "fileIds.0", () => ["not-a-uuid"]],
        ["of eleven files", "fileIds", () => Array.from({ length: 11 }, () => randomUUID())],
        ["naming a file twice", "fileIds", (fx: Fixture) => [fx.fileId, fx.fileId]],
        ["naming a file on a message already", "fileIds", (fx: Fixture) => [fx.attachedFileId]],
        ["naming a file still uploading", "fileIds", (fx: Fixture) => [fx.pendingFileId]],
      ] as const
    ).map(([what, field, fileIds]) =>
      bad(`fileIds ${what}`, field, (fx) => ({
        channelId: fx.channelId,
        body: "with files",
        clientMessageId: randomUUID(),
        fileIds: fileIds(fx),
      })),
    ),
    ...(
      [
        ["unknown", () => randomUUID()],
        ["of another workspace", (fx: Fixture) => fx.otherFileId],
        ["someone else's upload", (fx: Fixture) => fx.memberFileId],
      ] as const
    ).map(([what, fileId]) =>
      unknown(`fileIds: a file ${what}`, (fx) => ({
        channelId: fx.channelId,
        body: "with files",
        clientMessageId: randomUUID(),
        fileIds: [fileId(fx)],
      })),
    ),
    bad("no body and no files", "body", (fx) => ({
      channelId: fx.channelId,
      clientMessageId: randomUUID(),
      fileIds: [],
    })),
    ...bodyCases((fx) => ({ channelId: fx.channelId, clientMessageId: randomUUID() })),
    ...[
      ["missing", undefined],
      ["not a UUID", "abc"],
      ["a number", 42],
    ].map(([what, clientMessageId]) =>
      bad(`clientMessageId ${what}`, "clientMessageId", (fx) => ({
        channelId: fx.channelId,
        body: "hello",
        clientMessageId,
      })),
    ),
    ...idCases(
      "parentId",
      (fx, parentId) => ({
        channelId: fx.channelId,
        body: "a reply",
        clientMessageId: randomUUID(),
        parentId,
      }),
      (fx) => fx.otherMessageId,
    ).filter((c) => !["parentId missing", "parentId null"].includes(c.name)),
    unknown("parentId in another conversation of the workspace", (fx) => ({
      channelId: fx.channelId,
      body: "a reply",
      clientMessageId: randomUUID(),
      parentId: fx.conversationMessageId,
    })),
  ],
  "message.list": [
    ...targetCases(() => ({})),
    ...[
      ["zero", 0],
      ["negative", -1],
      ["over 100", 101],
      ["huge", 1e9],
      ["a fraction", 1.5],
      ["a string", "10"],
      ["null", null],
    ].map(([what, limit]) =>
      bad(`limit ${what}`, "limit", (fx) => ({ channelId: fx.channelId, limit })),
    ),
    ...sequenceCases("before", (fx) => ({ channelId: fx.channelId })),
    ...sequenceCases("after", (fx) => ({ channelId: fx.channelId })),
    bad("after not before before", "after", (fx) => ({
      channelId: fx.channelId,
      before: 5,
      after: 5,
    })),
  ],
  "message.onEvent": [
    ...targetCases(() => ({})),
    ...lastEventIdCases((fx) => ({ channelId: fx.channelId })),
  ],
  "message.markRead": [
    ...targetCases(() => ({ sequence: 1 })),
    bad("sequence missing", "sequence", (fx) => ({ channelId: fx.channelId })),
    bad("sequence null", "sequence", (fx) => ({ channelId: fx.channelId, sequence: null })),
    ...sequenceCases("sequence", (fx) => ({ channelId: fx.channelId })),
  ],
  "message.edit": [
    ...messageIdCases({ body: "edited" }),
    ...bodyCases((fx) => ({ messageId: fx.messageId })),
  ],
  "message.delete": messageIdCases(),
  "message.react": [
    ...messageIdCases({ emoji: "👍" }),
    ...emojiCases((fx) => ({ messageId: fx.messageId })),
  ],
  "message.unreact": [
    ...messageIdCases({ emoji: "👍" }),
    ...emojiCases((fx) => ({ messageId: fx.messageId })),
  ],
  "message.pin": messageIdCases(),
  "message.unpin": messageIdCases(),
  "message.get": [
    ...messageIdCases(),
    ...targetCases(() => ({ sequence: 1 })),
    bad("sequence missing with a channel", "sequence", (fx) => ({ channelId: fx.channelId })),
    bad("sequence zero", "sequence", (fx) => ({ channelId: fx.channelId, sequence: 0 })),
    bad("sequence a fraction", "sequence", (fx) => ({ channelId: fx.channelId, sequence: 1.5 })),
    bad("messageId and a position", "messageId", (fx) => ({
      messageId: fx.messageId,
      channelId: fx.channelId,
      sequence: 1,
    })),
    unknown("sequence beyond the last message", (fx) => ({
      channelId: fx.channelId,
      sequence: 999_999,
    })),
  ],
  "message.thread": [
    ...messageIdCases(),
    ...sequenceCases("after", (fx) => ({ messageId: fx.messageId })),
    ...limitCases(100, (fx) => ({ messageId: fx.messageId })),
  ],
  "message.followThread": [
    ...messageIdCases({ following: true }),
    bad("following missing", "following", (fx) => ({ messageId: fx.messageId })),
    bad("following a word", "following", (fx) => ({ messageId: fx.messageId, following: "yes" })),
  ],
  "message.markThreadRead": [
    ...messageIdCases({ sequence: 1 }),
    bad("sequence missing", "sequence", (fx) => ({ messageId: fx.messageId })),
    ...sequenceCases("sequence", (fx) => ({ messageId: fx.messageId })),
  ],
  "message.markUnread": [
    ...targetCases(() => ({ sequence: 1 })),
    bad("sequence missing", "sequence", (fx) => ({ channelId: fx.channelId })),
    bad("sequence zero", "sequence", (fx) => ({ channelId: fx.channelId, sequence: 0 })),
    ...sequenceCases("sequence", (fx) => ({ channelId: fx.channelId })),
  ],
  "message.threads": [
    ...workspaceIdCases(),
    ...cursorCases((fx) => ({ workspaceId: fx.workspaceId })),
    ...limitCases(100, (fx) => ({ workspaceId: fx.workspaceId })),
  ],
  "message.search": [
    ...workspaceIdCases(() => ({ query: "hello" })),
    bad("query missing", "query", (fx) => ({ workspaceId: fx.workspaceId })),
    bad("query empty", "query", (fx) => ({ workspaceId: fx.workspaceId, query: "" })),
    bad("query only spaces", "query", (fx) => ({ workspaceId: fx.workspaceId, query: "   " })),
    bad("query too long", "query", (fx) => ({ workspaceId: fx.workspaceId, query: long(501) })),
    bad("query with a NUL", "query", (fx) => ({ workspaceId: fx.workspaceId, query: "a\u0000" })),
    bad("query a number", "query", (fx) => ({ workspaceId: fx.workspaceId, query: 42 })),
    ...cursorCases((fx) => ({ workspaceId: fx.workspaceId, query: "hello" })),
    ...limitCases(50, (fx) => ({ workspaceId: fx.workspaceId, query: "hello" })),
  ],
  "channel.pins": [
    ...targetCases(() => ({})),
    ...cursorCases((fx) => ({ channelId: fx.channelId })),
    ...limitCases(100, (fx) => ({ channelId: fx.channelId })),
  ],
  "channel.setNotifications": [
    ...targetCases(() => ({ level: "all" })),
    bad("nothing to change", "level, muted", (fx) => ({ channelId: fx.channelId })),
    bad("level unknown", "level", (fx) => ({ channelId: fx.channelId, level: "loud" })),
    bad("level a number", "level", (fx) => ({ channelId: fx.channelId, level: 1 })),
    bad("muted a word", "muted", (fx) => ({ channelId: fx.channelId, muted: "yes" })),
  ],
  "workspace.markAllRead": workspaceIdCases(),
  "activity.list": [
    ...workspaceIdCases(),
    ...cursorCases((fx) => ({ workspaceId: fx.workspaceId })),
    ...limitCases(100, (fx) => ({ workspaceId: fx.workspaceId })),
  ],
  "activity.markRead": workspaceIdCases(),
  "user.update": [
    bad("nothing to change", "name, status", () => ({})),
    ...lineCases("name", 80, () => ({})).filter((c) => c.name !== "name missing"),
    bad("status too long", "status", () => ({ status: long(101) })),
    bad("status with a line break", "status", () => ({ status: "two\nlines" })),
    bad("status with a NUL", "status", () => ({ status: "a\u0000" })),
    bad("status a number", "status", () => ({ status: 7 })),
  ],
  "user.profile": [
    ...workspaceIdCases((fx) => ({ userId: fx.member.id })),
    ...idCases(
      "userId",
      (fx, userId) => ({ workspaceId: fx.workspaceId, userId }),
      (fx) => fx.other.id,
    ),
  ],
  "user.setEmailNotifications": [
    bad("enabled missing", "enabled", () => ({})),
    bad("enabled a string", "enabled", () => ({ enabled: "no" })),
  ],

  "file.createUpload": [
    ...workspaceIdCases(() => ({ name: "notes.txt", size: 100 })),
    ...[
      ["missing", undefined],
      ["empty", ""],
      ["whitespace only", "   "],
      ["with a NUL", "a\u0000.txt"],
      ["too long", long(1025)],
      ["a number", 7],
    ].map(([what, name]) =>
      bad(`name ${what}`, "name", (fx) => ({ workspaceId: fx.workspaceId, name, size: 100 })),
    ),
    ...[
      ["missing", undefined],
      ["zero: an empty file", 0],
      ["negative", -5],
      ["a fraction", 1.5],
      ["over UPLOAD_MAX_MB: an oversized file", 26 * 1024 * 1024],
      ["huge", 1e300],
      ["a string", "100"],
    ].map(([what, size]) =>
      bad(`size ${what}`, "size", (fx) => ({ workspaceId: fx.workspaceId, name: "a.txt", size })),
    ),
    ...[
      ["not a media type", "png"],
      ["a number", 5],
      ["too long", `image/${long(300)}`],
    ].map(([what, type]) =>
      bad(`type ${what}`, "type", (fx) => ({
        workspaceId: fx.workspaceId,
        name: "a.png",
        size: 100,
        type,
      })),
    ),
  ],
  ...Object.fromEntries(
    (["file.completeUpload", "file.discard", "file.get"] as const).map((path) => [
      path,
      idCases(
        "fileId",
        (_fx, fileId) => ({ fileId }),
        (fx) => fx.otherFileId,
      ),
    ]),
  ),

  "auth.requestPasswordReset": [
    ["missing", undefined],
    ["not an address", "nobody"],
    ["too long", `${long(320)}@example.test`],
    ["with a NUL", "a\u0000b@example.test"],
    ["a number", 42],
  ].map(([what, email]) => bad(`email ${what}`, "email", () => ({ email }))),
  "auth.resetPassword": [
    ...tokenCases(() => ({ password: "a brand new passphrase" })),
    bad("token well-formed but not ours", "token", () => ({
      token: "A".repeat(43),
      password: "a brand new passphrase",
    })),
    bad("password too short", "password", () => ({ token: "A".repeat(43), password: "short" })),
    bad("password a common one", "password", () => ({
      token: "A".repeat(43),
      password: "password12",
    })),
  ],
  "auth.verifyEmail": [
    ...tokenCases(() => ({})),
    bad("token well-formed but not ours", "token", () => ({ token: "A".repeat(43) })),
  ],
  "workspace.invitationLink": [
    ...tokenCases(() => ({})),
    unknown("token well-formed but not ours", () => ({ token: "A".repeat(43) })),
  ],
  "workspace.acceptInvitationLink": [
    ...tokenCases(() => ({})),
    unknown("token well-formed but not ours", () => ({ token: "A".repeat(43) })),
  ],
};

const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: string; inputs: unknown[] } }
>;
const takesInput = Object.keys(procedures).filter(
  (path) => (procedures[path]?._def.inputs.length ?? 0) > 0,
);

/** Whole-input mistakes every procedure with (object) input must refuse. */
const wholeInputCases = (path: string): Case[] => [
  // A query without `?input=` is validated as undefined; a mutation without a body is not JSON.
  procedures[path]?._def.type === "mutation"
    ? { name: "an empty request body", input: () => undefined, expect: { field: null } }
    : bad("no input at all", "input", () => undefined),
  bad("null instead of an object", "input", () => null),
  bad("a string instead of an object", "input", () => "hello"),
  bad("an array instead of an object", "input", () => [1, 2]),
];

let fx: Fixture;
let scope: Scope;

/** A stored upload of `uploader`'s in a workspace. */
async function storedFile(uploader: TestUser, workspaceId: string) {
  const bytes = Buffer.from("bad input fixture");
  const file = await uploadWhole(
    db,
    { workspaceId, uploaderId: uploader.id, name: "fixture.txt" },
    Readable.from([bytes]),
    bytes.length,
  );
  return file.id;
}

beforeAll(async () => {
  const owner = await newUser(db, "Owner");
  const member = await newUser(db, "Member");
  const other = await newUser(db, "Other");
  const stranger = await newUser(db, "Stranger");
  const workspace = await newWorkspace(owner, [member]);
  const otherWorkspace = await newWorkspace(other, [stranger]);

  const { id: channelId } = await owner.api.channel.create({
    workspaceId: workspace.id,
    name: "room",
  });
  await owner.api.channel.addMember({ channelId, userId: member.id });
  const { id: conversationId } = await owner.api.conversation.open({
    workspaceId: workspace.id,
    userIds: [member.id],
  });
  const send = (user: TestUser, target: object) =>
    user.api.message.send({ ...target, body: "hello", clientMessageId: randomUUID() });
  const message = await send(owner, { channelId });
  const reply = await send(owner, { channelId, parentId: message.id });
  const conversationMessage = await send(owner, { conversationId });
  const { id: otherConversationId } = await other.api.conversation.open({
    workspaceId: otherWorkspace.id,
    userIds: [stranger.id],
  });
  const otherMessage = await send(other, { channelId: otherWorkspace.generalChannelId });

  fx = {
    owner,
    member,
    other,
    workspaceId: workspace.id,
    channelId,
    conversationId,
    messageId: message.id,
    conversationMessageId: conversationMessage.id,
    replyId: reply.id,
    inviteId: (await owner.api.workspace.createInvite({ workspaceId: workspace.id })).id,
    otherWorkspaceId: otherWorkspace.id,
    otherChannelId: otherWorkspace.generalChannelId,
    otherConversationId,
    otherMessageId: otherMessage.id,
    otherInviteId: (await other.api.workspace.createInvite({ workspaceId: otherWorkspace.id })).id,
    otherTokenId: (await other.api.token.create({ name: "theirs" })).id,
    invitationId: (
      await owner.api.workspace.addMember({
        workspaceId: workspace.id,
        email: `invited.${randomUUID()}@example.test`,
      })
    ).invitationId,
    otherInvitationId: (
      await other.api.workspace.addMember({
        workspaceId: otherWorkspace.id,
        email: `invited.${randomUUID()}@example.test`,
      })
    ).invitationId,
    fileId: await storedFile(owner, workspace.id),
    attachedFileId: await storedFile(owner, workspace.id),
    pendingFileId: (
      await owner.api.file.createUpload({ workspaceId: workspace.id, name: "later.txt", size: 10 })
    ).fileId,
    memberFileId: await storedFile(member, workspace.id),
    otherFileId: await storedFile(other, otherWorkspace.id),
  };
  await owner.api.message.send({
    channelId,
    body: "with a file",
    clientMessageId: randomUUID(),
    fileIds: [fx.attachedFileId],
  });
  scope = {
    workspaceIds: [workspace.id, otherWorkspace.id],
    userIds: [owner.id, member.id, other.id, stranger.id],
    emailLike: `%@${SIGN_UP_DOMAIN}`,
  };
});

describe("bad input", () => {
  test("has cases, including a BAD_REQUEST one, for every procedure that takes input", () => {
    const uncovered = takesInput.filter(
      (path) => !CASES[path]?.some((c) => c.expect !== "NOT_FOUND"),
    );
    const strays = Object.keys(CASES).filter((path) => !takesInput.includes(path));
    expect({ uncovered, strays }).toEqual({ uncovered: [], strays: [] });
  });

  const all = takesInput.flatMap((path) =>
    [...wholeInputCases(path), ...(CASES[path] ?? [])].map(
      (c) => [`${path}: ${c.name}`, path, c] as const,
    ),
  );

  test.each(all)("%s", async (_name, path, c) => {
    const input = c.input(fx);
    const before = await snapshot(db, scope);
    const response = await callOverWire(db, fx.owner, path, input);
    const after = await snapshot(db, scope);

    const { error } = response;
    const context = `${path}(${JSON.stringify(input)?.slice(0, 200)}) answered ${response.status}: ${
      error?.message ?? JSON.stringify(response.result)?.slice(0, 200)
    } ${response.internalCause ? String(response.internalCause) : ""}`;
    // Soft, so a wrong answer that also wrote something reports both.
    expect.soft(after, `${context}\nchanged the database`).toEqual(before);
    expect(error?.data.code, context).not.toBe("INTERNAL_SERVER_ERROR");
    if (c.expect === "NOT_FOUND") {
      expect(error?.data.code, context).toBe("NOT_FOUND");
      expect(response.status, context).toBe(404);
    } else {
      const { field } = c.expect;
      expect(error?.data.code, context).toBe("BAD_REQUEST");
      expect(response.status, context).toBe(400);
      expect(error?.message.trim(), context).not.toBe("");
      if (field !== null) {
        // A "field: reason" line, as the error formatter writes them.
        const lines = error?.message.split("\n") ?? [];
        const named = lines.some((l) => l.startsWith(`${field}: `) && l.length > field.length + 2);
        expect(named, context).toBe(true);
        // Validation errors also list the field in data.fieldErrors.
        if (error?.data.fieldErrors) {
          expect(error.data.fieldErrors[field]?.length, context).toBeGreaterThan(0);
        }
      }
    }
  });
});

/**
 * The upload endpoints are HTTP, not procedures: the same promise in their
 * terms — a clear error (400 naming what is wrong, 404 for what the caller
 * cannot see, 413 for what is too large), never a 500, nothing stored.
 */
describe("bad uploads", () => {
  const ORIGIN = "http://127.0.0.1:3000";
  let token: string;
  beforeAll(async () => {
    ({ token } = await fx.owner.api.token.create({ name: "uploads" }));
  });
  const options = { db, session: async () => null };
  const limit = () => env().UPLOAD_MAX_MB * 1024 * 1024;

  interface UploadCase {
    name: string;
    status: 400 | 404 | 413;
    /** What the message starts with (a field and colon, when one is to blame). */
    says: RegExp;
    request: () => Request;
  }
  const post = (query: string, init: RequestInit & { headers?: Record<string, string> }) =>
    new Request(`${ORIGIN}/api/files?${query}`, {
      method: "POST",
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
    });
  const html = "<!doctype html><script>alert(1)</script>";
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
  const cases: UploadCase[] = [
    {
      name: "an empty file",
      status: 400,
      says: /empty/,
      request: () => post(`workspaceId=${fx.workspaceId}&name=empty.txt`, { body: "" }),
    },
    {
      name: "a declared size over UPLOAD_MAX_MB",
      status: 413,
      says: /larger than/,
      request: () =>
        post(`workspaceId=${fx.workspaceId}&name=big.bin`, {
          body: "x",
          headers: { "content-length": String(limit() + 1) },
        }),
    },
    {
      name: "an oversized stream without a length",
      status: 413,
      says: /larger than/,
      request: () => {
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            sent += 1 << 20;
            controller.enqueue(new Uint8Array(1 << 20));
            if (sent > limit() + (2 << 20)) controller.close();
          },
        });
        return post(`workspaceId=${fx.workspaceId}&name=big.bin`, {
          body,
          duplex: "half",
        } as RequestInit & { headers?: Record<string, string> });
      },
    },
    {
      name: "HTML claiming to be a PNG",
      status: 400,
      says: /^type: the file says it is image\/png, but its bytes are text\/html/,
      request: () =>
        post(`workspaceId=${fx.workspaceId}&name=cat.png`, {
          body: html,
          headers: { "content-type": "image/png" },
        }),
    },
    {
      name: "an SVG with script claiming to be a PNG",
      status: 400,
      says: /^type: the file says it is image\/png, but its bytes are image\/svg\+xml/,
      request: () =>
        post(`workspaceId=${fx.workspaceId}&name=logo.png`, {
          body: svg,
          headers: { "content-type": "image/png" },
        }),
    },
    {
      name: "no name",
      status: 400,
      says: /^name: /,
      request: () => post(`workspaceId=${fx.workspaceId}`, { body: "hello" }),
    },
    {
      name: "no workspaceId",
      status: 400,
      says: /^workspaceId: /,
      request: () => post("name=a.txt", { body: "hello" }),
    },
    {
      name: "a malformed workspaceId",
      status: 400,
      says: /^workspaceId: /,
      request: () => post(`workspaceId=${MALFORMED_UUID}&name=a.txt`, { body: "hello" }),
    },
    {
      name: "another workspace's id",
      status: 404,
      says: /Workspace not found/,
      request: () => post(`workspaceId=${fx.otherWorkspaceId}&name=a.txt`, { body: "hello" }),
    },
    {
      name: "a form without a file part",
      status: 400,
      says: /^file: /,
      request: () => {
        const form = new FormData();
        form.append("note", "no file here");
        return post(`workspaceId=${fx.workspaceId}`, { body: form });
      },
    },
    {
      name: "PUT of an upload that is not the caller's",
      status: 404,
      says: /Upload not found/,
      request: () =>
        new Request(`${ORIGIN}/api/files/${fx.memberFileId}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}` },
          body: "bytes",
        }),
    },
    {
      name: "PUT of fewer bytes than declared",
      status: 400,
      says: /^size: 3 bytes arrived, but 10 were declared/,
      request: () =>
        new Request(`${ORIGIN}/api/files/${fx.pendingFileId}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}` },
          body: "abc",
        }),
    },
    {
      name: "PUT of more bytes than declared",
      status: 413,
      says: /More bytes arrived than the 10/,
      request: () =>
        new Request(`${ORIGIN}/api/files/${fx.pendingFileId}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}` },
          body: "0123456789 and more",
        }),
    },
  ];

  test.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const before = await snapshot(db, scope);
    const request = c.request();
    const response =
      request.method === "PUT"
        ? await putFile(request, new URL(request.url).pathname.split("/").pop() as string, options)
        : await postFile(request, options);
    const { error } = (await response.json()) as { error: { message: string } };
    expect.soft(await snapshot(db, scope), "changed the database").toEqual(before);
    expect({ status: response.status, message: error.message }).toMatchObject({
      status: c.status,
      message: expect.stringMatching(c.says),
    });
  });
});
