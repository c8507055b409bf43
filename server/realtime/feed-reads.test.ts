/**
 * A resume storm after a restart makes every feed read its revision and
 * backlog from the database at once; those reads are bounded, so the pool's
 * other connections stay free for sends.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { Limiter } from "@/lib/limiter";
import { sendMessage } from "@/server/messages/send";
import { testDatabase } from "@/testing/db";
import { insertChannel, insertUser, insertWorkspace } from "@/testing/factories";
import { databaseLog } from "./feed";

const { db } = testDatabase("pg", 8);

it("reads the log through its limiter: a crowd of feeds waits its turn and gets the right answers", async () => {
  const author = await insertUser(db, "Ada");
  const workspaceId = (await insertWorkspace(db, author.id)).id;
  const channels = await Promise.all(
    Array.from({ length: 12 }, () => insertChannel(db, workspaceId, [author.id])),
  );
  for (const [index, channel] of channels.entries())
    for (let i = 0; i <= index % 3; i++)
      await sendMessage(db, {
        authorId: author.id,
        target: { kind: "channel", id: channel.id },
        body: `message ${i}`,
        clientMessageId: randomUUID(),
      });

  const reads = new Limiter(2);
  const log = databaseLog(db, reads);
  const targets = channels.map((channel) => ({ kind: "channel" as const, id: channel.id }));
  const revisions = Promise.all(targets.map((target) => log.currentRevision(target)));
  const backlogs = Promise.all(targets.map((target) => log.readEvents(target, 0, { limit: 10 })));
  expect(reads.load).toEqual({ running: 2, waiting: 22 });

  expect(await revisions).toEqual(channels.map((_, index) => (index % 3) + 1));
  expect((await backlogs).map((events) => events.map((event) => event.position))).toEqual(
    channels.map((_, index) => Array.from({ length: (index % 3) + 1 }, (_, i) => i + 1)),
  );
  expect(reads.load).toEqual({ running: 0, waiting: 0 });
});
