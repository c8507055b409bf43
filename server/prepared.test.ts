/**
 * The statements of every request — the access checks and the send — run
 * as named prepared statements, and PostgreSQL settles on one generic plan
 * for each: planning them on every request cost more than executing them. A
 * change that makes a plan depend on its parameters again (so PostgreSQL
 * keeps re-planning it) fails here.
 */
import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { workspaceMembers } from "@/db/schema";
import { loadChannelAccess, loadWorkspaceAccess } from "@/server/access";
import { sendMessage } from "@/server/messages/send";
import { drivers, testDatabase } from "@/testing/db";
import { insertChannel, insertUser, insertWorkspace } from "@/testing/factories";

interface Prepared {
  name: string;
  statement: string;
  generic_plans: number;
  custom_plans: number;
}

const preparedStatements = async (db: Db, where: SQL) =>
  (
    await db.execute(
      sql`SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE ${where}`,
    )
  ).rows as unknown as Prepared[];

/** PostgreSQL tries custom plans five times, then keeps the generic one if it is no worse. */
function expectGeneric(statement: Prepared, executions: number) {
  expect(Number(statement.custom_plans)).toBeLessThanOrEqual(5);
  expect(Number(statement.generic_plans)).toBeGreaterThanOrEqual(executions - 5);
}

describe.each(drivers)("prepared statements through the %s driver", (driver) => {
  // One connection, so the prepared statements seen are the ones made here.
  const { db } = testDatabase(driver, 1);

  it("checks access with prepared statements, planned generically after a few requests", async () => {
    const people = await Promise.all(["Ada", "Grace", "Linus"].map((name) => insertUser(db, name)));
    const owner = people[0] as { id: string };
    const workspaceId = (await insertWorkspace(db, owner.id)).id;
    await db
      .insert(workspaceMembers)
      .values(
        people
          .slice(1)
          .map((person) => ({ workspaceId, userId: person.id, role: "member" as const })),
      );
    const channel = await insertChannel(
      db,
      workspaceId,
      people.map((person) => person.id),
    );
    for (let i = 0; i < 12; i++) {
      const person = people[i % 3] as { id: string };
      expect(await loadWorkspaceAccess(db, person.id, workspaceId)).not.toBeNull();
      expect((await loadChannelAccess(db, person.id, channel.id))?.id).toBe(channel.id);
    }
    // Someone else is still refused by the same plans.
    const outsider = await insertUser(db, "Outsider");
    expect(await loadChannelAccess(db, outsider.id, channel.id)).toBeNull();
    const statements = await preparedStatements(
      db,
      sql`name IN ('sequent_workspace_access', 'sequent_channel_access')`,
    );
    expect(statements.map((s) => s.name).sort()).toEqual([
      "sequent_channel_access",
      "sequent_workspace_access",
    ]);
    for (const statement of statements)
      expectGeneric(statement, statement.name === "sequent_channel_access" ? 13 : 12);
  });

  it("is prepared once per shape and planned generically after a few sends", async () => {
    const author = await insertUser(db, "Ada");
    const workspaceId = (await insertWorkspace(db, author.id)).id;
    const channels = await Promise.all(
      Array.from({ length: 3 }, () => insertChannel(db, workspaceId, [author.id])),
    );
    for (let i = 0; i < 12; i++) {
      await sendMessage(db, {
        authorId: author.id,
        target: { kind: "channel", id: (channels[i % 3] as { id: string }).id },
        body: `send ${i}`,
        clientMessageId: randomUUID(),
      });
    }
    const prepared = await preparedStatements(db, sql`statement LIKE '%INSERT INTO "messages"%'`);
    expect(prepared).toHaveLength(1);
    const [send] = prepared as [Prepared];
    expect(send.name).toMatch(/^sequent_[0-9a-f]{20}$/);
    expectGeneric(send, 12);
  });

  it("runs as a plain statement inside a transaction, which has no pool connection of its own", async () => {
    const author = await insertUser(db, "Grace");
    const workspaceId = (await insertWorkspace(db, author.id)).id;
    const channel = await insertChannel(db, workspaceId, [author.id]);
    const stored = await db.transaction((tx) =>
      sendMessage(tx, {
        authorId: author.id,
        target: { kind: "channel", id: channel.id },
        body: "in a transaction",
        clientMessageId: randomUUID(),
      }),
    );
    expect(stored.message.sequence).toBe(1);
  });
});
