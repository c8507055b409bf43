/**
 * `npm run db:seed`: a demo workspace on the configured (or embedded) database:
 * three people (password "sequent-demo-password"), a few channels with
 * history, a private channel and a direct conversation. Running it again
 * reuses the people (looked up by email) and adds another demo workspace.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";
import { loadChannelAccess } from "@/server/access";
import { ChangeSet } from "@/server/changes";
import { addChannelMember, createChannel } from "@/server/channels/write";
import { openConversation } from "@/server/conversations/write";
import { sendMessage } from "@/server/messages/send";
import { signUp } from "@/server/users/write";
import { createInvite, createWorkspace, joinWorkspace } from "@/server/workspaces/write";
import { runScript } from "./lib";

const PASSWORD = "sequent-demo-password";
const people = [
  { name: "Ada Lovelace", email: "ada@example.com" },
  { name: "Grace Hopper", email: "grace@example.com" },
  { name: "Alan Turing", email: "alan@example.com" },
];

runScript(async () => {
  const db = await getDb();
  // Nobody is connected to a fresh seed run's process; what changed is not announced.
  const changes = new ChangeSet();
  const ids: string[] = [];
  for (const person of people) {
    const [existing] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(sql`lower(${users.email})`, person.email));
    ids.push(existing?.id ?? (await signUp(db, { ...person, password: PASSWORD })).userId);
  }
  const [ada, grace, alan] = ids as [string, string, string];
  const workspace = await createWorkspace(db, ada, "Demo workspace");
  const invite = await createInvite(db, workspace.id, ada, { expiresInHours: 24, maxUses: null });
  await joinWorkspace(db, grace, invite.code);
  await joinWorkspace(db, alan, invite.code);

  const say = (
    authorId: string,
    target: { kind: "channel" | "conversation"; id: string },
    body: string,
  ) => sendMessage(db, { authorId, target, body, clientMessageId: randomUUID() });
  const general = { kind: "channel" as const, id: workspace.generalChannelId };
  await say(ada, general, "Welcome to **Sequent**! Every message here has its place: 1, 2, 3…");
  await say(grace, general, `Glad to be here <@${ada}>. Try editing, reacting, and \`Ctrl+K\`.`);
  await say(alan, general, "> The question is whether machines can chat.\nThey can, exactly once.");

  const engineering = await createChannel(db, changes, ada, workspace.id, {
    name: "engineering",
    isPrivate: false,
    topic: "Builds, deploys and bugs",
  });
  for (const userId of [grace, alan]) {
    const access = await loadChannelAccess(db, ada, engineering.id);
    if (access) await addChannelMember(db, changes, access, userId);
  }
  const target = { kind: "channel" as const, id: engineering.id };
  for (let i = 1; i <= 120; i++) {
    await say(
      ids[i % 3] as string,
      target,
      `Build #${i} ${i % 7 === 0 ? "failed ❌ — see the logs" : "passed ✅"}`,
    );
  }
  const secret = await createChannel(db, changes, ada, workspace.id, {
    name: "leadership",
    isPrivate: true,
    topic: "Private",
  });
  await say(ada, { kind: "channel", id: secret.id }, "Only members can see this channel.");
  const dm = await openConversation(db, changes, ada, workspace.id, [grace]);
  await say(grace, { kind: "conversation", id: dm.id }, "Hi Ada, got a minute?");

  console.log(`Seeded "Demo workspace" (${workspace.id}).`);
  console.log(`Sign in as ${people.map((p) => p.email).join(", ")} with password "${PASSWORD}".`);
});
