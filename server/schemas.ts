/**
 * Zod schemas shared by the routers: `Z…Schema` for inputs and outputs, `T…`
 * for their types. Inputs say what is wrong in words a person can act on.
 */
import { z } from "zod";
import { canonicalEmoji, isReactable, MAX_EMOJI_CODE_POINTS } from "@/lib/emoji";
import { COMMON_PASSWORDS } from "@/server/auth/common-passwords";

// C0 and C1 controls except tab, line feed and carriage return; also bidi overrides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Every text schema checks the raw length first (O(1)) and so never spends
 * more than O(its limit) on a value, however long the value sent: a value of
 * `max` code points is at most 2·max UTF-16 units, and `slack` allows for
 * whitespace that trimming removes.
 */
const rawMax = (max: number, slack = 256) => 2 * max + slack;

/** Whether `value` has at most `max` code points; stops counting past `max`. */
export function codePointsAtMost(value: string, max: number): boolean {
  if (value.length <= max) return true;
  let count = 0;
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < value.length) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    if (++count > max) return false;
  }
  return true;
}

const codePointsAtLeast = (value: string, min: number) =>
  min <= 0 || !codePointsAtMost(value, min - 1);

/** The error for a value of the wrong type: "is required" when missing, else "must be …". */
export const expected = (what: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? "is required" : `must be ${what}`,
});

/** Trimmed single-line text without control characters, `min`..`max` characters. */
export const ZLineSchema = (min: number, max: number) =>
  z
    .string(expected("text"))
    .max(rawMax(max), `must be at most ${max} characters`)
    .transform((value) => value.trim())
    .refine(
      (value) => !CONTROL.test(value) && !/[\r\n]/.test(value),
      "must not contain control characters or line breaks",
    )
    .refine(
      (value) => codePointsAtLeast(value, min),
      min === 1 ? "must not be empty" : `must be at least ${min} characters`,
    )
    .refine((value) => codePointsAtMost(value, max), `must be at most ${max} characters`);

export const ZIdSchema = (what: string) => z.uuid(expected(`a valid ${what} id (a UUID)`));

/** A message's text, possibly empty (a message with files needs none). */
export const ZMessageTextSchema = z
  .string(expected("text"))
  .max(rawMax(4000, 1024), "must be at most 4000 characters")
  .transform((value) => value.replace(/\r\n?/g, "\n").trim())
  .refine((value) => codePointsAtMost(value, 4000), "must be at most 4000 characters")
  .refine((value) => !CONTROL.test(value), "must not contain control characters");

export const ZMessageBodySchema = ZMessageTextSchema.refine(
  (value) => value.length > 0,
  "must not be empty or only whitespace",
);

export const ZEmailSchema = z
  .string(expected("text"))
  .max(rawMax(320), "must be at most 320 characters")
  .trim()
  .max(320, "must be at most 320 characters")
  .pipe(z.email({ error: "must be a valid email address" }))
  .transform((value) => value.toLowerCase());

const commonPasswords = new Set(COMMON_PASSWORDS.split(/\s+/).filter(Boolean));

/**
 * A new password: 10..256 characters, not only whitespace, at least 4
 * different characters, and not one of the most common passwords. That it is
 * not the person's email or name is checked where those are known
 * (`personalPasswordProblem`).
 */
export const ZPasswordSchema = z
  .string(expected("text"))
  .max(256, "must be at most 256 characters")
  .min(10, "must be at least 10 characters")
  .refine((value) => value.trim() !== "", "must not be only spaces")
  .refine((value) => new Set(value).size >= 4, "must use at least 4 different characters")
  .refine(
    (value) => !commonPasswords.has(value.trim().toLowerCase()),
    "is one of the most common passwords; choose one that is hard to guess",
  );

/** Why a password is too close to the person it protects, or null. */
export function personalPasswordProblem(
  password: string,
  person: { email: string; name?: string },
): string | null {
  const candidate = password.trim().toLowerCase();
  const email = person.email.trim().toLowerCase();
  const local = email.split("@")[0] ?? "";
  if (candidate === email || candidate === local || candidate.includes(email)) {
    return "must not be your email address";
  }
  if (person.name && candidate === person.name.trim().toLowerCase()) {
    return "must not be your name";
  }
  return null;
}

export const ZChannelNameSchema = z
  .string(expected("text"))
  .max(rawMax(80), "must be at most 80 characters")
  .trim()
  .min(1, "must not be empty")
  .max(80, "must be at most 80 characters")
  .regex(/^[a-z0-9_-]+$/, "may use only lowercase letters, digits, - and _");

export const ZTopicSchema = ZLineSchema(0, 250);

export const ZEmojiSchema = z
  .string(expected("text"))
  .max(rawMax(MAX_EMOJI_CODE_POINTS, 64), "must be a single emoji")
  .trim()
  .refine(
    (value) => codePointsAtLeast(value, 1) && codePointsAtMost(value, MAX_EMOJI_CODE_POINTS),
    "must be a single emoji",
  )
  .refine(isReactable, "must be an emoji, e.g. 👍")
  .transform(canonicalEmoji);

export const ZSequenceSchema = z
  .number(expected("a number"))
  .int("must be a whole number")
  .min(0, "must not be negative")
  .max(2_147_483_647, "is too large");

/** A stream position as sent back in lastEventId: a whole number, as a string or a number. */
export const ZPositionSchema = z
  .union(
    [
      z.string().regex(/^\d{1,15}$/, "must be a position (a whole number)"),
      z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    ],
    expected("a position (a whole number)"),
  )
  .transform((value) => Number(value));

export const ZWorkspaceRoleSchema = z.enum(
  ["owner", "admin", "member"],
  expected('"owner", "admin" or "member"'),
);

/** How many items a page holds: 1..max, `fallback` when not given. */
export const ZLimitSchema = (max: number, fallback: number) =>
  z
    .number(expected("a number"))
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** A page's cursor: the `nextCursor` of the page before, as given (server/cursors.ts reads it). */
export const ZCursorSchema = (listing: string) =>
  z
    .string(expected("a cursor (the nextCursor of the page before)"))
    .max(400, `is not a cursor this ${listing} gave`)
    .optional();

/** A page of a listing and where the next page starts (null at the end). */
export const ZPageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const ZSearchQuerySchema = z
  .string(expected("text"))
  .max(500, "must be at most 500 characters")
  .refine((value) => !CONTROL.test(value), "must not contain control characters");

export const ZStatusSchema = ZLineSchema(0, 100);

export const ZNotifyLevelSchema = z.enum(
  ["all", "mentions", "none"],
  expected('"all", "mentions" or "none"'),
);

// Outputs

const iso = z.string();

export const ZReactionSchema = z.object({
  emoji: z.string(),
  count: z.number(),
  userIds: z.array(z.string()),
});

/** A file as it travels with its message; width and height for images only. */
export const ZFileSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number(),
  width: z.number().optional(),
  height: z.number().optional(),
  url: z.string(),
  thumbnailUrl: z.string().nullable(),
});

export const ZMessageSchema = z.object({
  id: z.string(),
  channelId: z.string().nullable(),
  conversationId: z.string().nullable(),
  sequence: z.number(),
  revision: z.number(),
  author: z.object({ id: z.string(), name: z.string() }),
  body: z.string(),
  clientMessageId: z.string(),
  parentId: z.string().nullable(),
  alsoInChannel: z.boolean(),
  replyCount: z.number(),
  lastReplyAt: iso.nullable(),
  replyUsers: z.array(z.object({ id: z.string(), name: z.string() })),
  pinnedAt: iso.nullable(),
  pinnedBy: z.string().nullable(),
  createdAt: iso,
  editedAt: iso.nullable(),
  deletedAt: iso.nullable(),
  reactions: z.array(ZReactionSchema),
  files: z.array(ZFileSchema),
});
export type TMessage = z.infer<typeof ZMessageSchema>;

export const ZThreadSchema = z.object({
  root: ZMessageSchema,
  replies: z.array(ZMessageSchema),
  hasMore: z.boolean(),
  following: z.boolean(),
  lastReadSequence: z.number(),
  unreadCount: z.number(),
});

export const ZFollowedThreadSchema = z.object({
  root: ZMessageSchema,
  channelId: z.string().nullable(),
  conversationId: z.string().nullable(),
  channelName: z.string().nullable(),
  replyCount: z.number(),
  lastReplyAt: iso.nullable(),
  lastReadSequence: z.number(),
  unreadCount: z.number(),
});

export const ZSearchHitSchema = z.object({
  message: ZMessageSchema,
  highlights: z.array(z.object({ start: z.number(), end: z.number() })),
  channelName: z.string().nullable(),
});

const ZPersonSchema = z.object({ id: z.string(), name: z.string() });

export const ZActivityItemSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("mention"), at: iso, unread: z.boolean(), message: ZMessageSchema }),
  z.object({ kind: z.literal("reply"), at: iso, unread: z.boolean(), message: ZMessageSchema }),
  z.object({
    kind: z.literal("reaction"),
    at: iso,
    unread: z.boolean(),
    message: ZMessageSchema,
    emoji: z.string(),
    by: ZPersonSchema,
  }),
]);

export const ZProfileSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  status: z.string(),
  avatarUrl: z.string().nullable(),
  role: z.enum(["owner", "admin", "member"]),
  joinedAt: iso,
  online: z.boolean(),
});

/** Who may notify the whole channel with @channel and @here: anyone in it, or its admins. */
export const ZBroadcastPolicySchema = z.enum(
  ["members", "admins"],
  expected('"members" or "admins"'),
);

export const ZChannelListItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  topic: z.string(),
  isPrivate: z.boolean(),
  archivedAt: iso.nullable(),
  broadcast: ZBroadcastPolicySchema,
  isMember: z.boolean(),
  role: z.enum(["admin", "member"]).nullable(),
  lastSequence: z.number(),
  lastReadSequence: z.number().nullable(),
  unreadCount: z.number(),
  mentionCount: z.number(),
  notify: ZNotifyLevelSchema.nullable(),
  muted: z.boolean(),
});
export type TChannelListItem = z.infer<typeof ZChannelListItemSchema>;

export const ZConversationListItemSchema = z.object({
  id: z.string(),
  members: z.array(z.object({ id: z.string(), name: z.string() })),
  lastSequence: z.number(),
  lastReadSequence: z.number(),
  unreadCount: z.number(),
  mentionCount: z.number(),
  lastMessageAt: iso.nullable(),
  notify: ZNotifyLevelSchema,
  muted: z.boolean(),
});
export type TConversationListItem = z.infer<typeof ZConversationListItemSchema>;

export const ZReadStateSchema = z.object({
  lastReadSequence: z.number(),
  unreadCount: z.number(),
  mentionCount: z.number(),
});
