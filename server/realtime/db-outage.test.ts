/**
 * A feed whose first read fails must not stay broken. Over HTTP against a
 * production server: the server's database role loses the right to read the
 * channels' revisions (membership checks still pass, so streams get as far
 * as their feed), subscribers open streams on channels nobody follows yet,
 * then the right comes back. Every subscriber must be served on the same
 * instance within seconds, and see what happens next exactly once.
 * A fault answers with an error id and a sentence, never the SQL behind it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { newUser, newWorkspace } from "@/testing/api";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { testDatabase } from "@/testing/db";
import { signIn, signUp, trpcQuery } from "@/testing/http";
import { apiClient, record, type StreamRecorder } from "@/testing/sse";

const { db } = testDatabase("pg", 10);
const role = `sequent_outage_${randomBytes(4).toString("hex")}`;
const password = randomBytes(12).toString("hex");
const channelColumns =
  "id, workspace_id, name, topic, is_private, created_by, created_at, archived_at, last_sequence";

const execute = (statement: string) => db.execute(sql.raw(statement));

/** Takes away (or gives back) the right to read channels.last_revision: the feed's first read. */
async function revisionsReadable(readable: boolean) {
  if (readable) await execute(`GRANT SELECT ON channels TO ${role}`);
  else {
    await execute(`REVOKE SELECT ON channels FROM ${role}`);
    await execute(`GRANT SELECT (${channelColumns}) ON channels TO ${role}`);
  }
}

type Stream = StreamRecorder<TargetStreamEvent>;
const synced = (stream: Stream) => stream.events.some((event) => event.data.type === "sync");

describe("a database fault while streams start", () => {
  let server: AppServer;

  beforeAll(async () => {
    await execute(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    // Start-up migrates; "CREATE … IF NOT EXISTS" asks for the right even when the object exists.
    const database = new URL(inject("databaseUrl")).pathname.slice(1);
    await execute(`GRANT CREATE ON DATABASE "${database}" TO ${role}`);
    await execute(`GRANT USAGE, CREATE ON SCHEMA public, drizzle TO ${role}`);
    await execute(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await execute(`GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO ${role}`);
    await execute(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    const url = new URL(inject("databaseUrl"));
    url.username = role;
    url.password = password;
    server = await startAppServer({ databaseUrl: url.toString(), env: { REDIS_URL: undefined } });
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await execute(`DROP OWNED BY ${role}`);
    await execute(`DROP ROLE ${role}`);
  });

  it("serves every stream on the same instance within seconds of the database answering again", async () => {
    const owner = await newUser(db, "Owner");
    const reader = await newUser(db, "Reader");
    const workspace = await newWorkspace(owner, [reader]);
    const { token } = await reader.api.token.create({ name: "outage" });
    const channels = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        owner.api.channel.create({
          workspaceId: workspace.id,
          name: `outage-${i}-${randomUUID().slice(0, 6)}`,
          isPrivate: false,
        }),
      ),
    );
    for (const channel of channels) await reader.api.channel.join({ channelId: channel.id });

    await revisionsReadable(false);
    const client = apiClient(server.url, { token });
    const streams: Stream[] = channels.map((channel) =>
      record<TargetStreamEvent>((handlers) =>
        client.message.onEvent.subscribe({ channelId: channel.id }, handlers),
      ),
    );
    // Long enough for a broken feed to have refused them, and for several retries.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(streams.filter(synced)).toHaveLength(0);

    await revisionsReadable(true);
    const back = Date.now();
    for (const stream of streams) await stream.until(synced, 10_000);
    const recovered = Date.now() - back;
    expect(recovered).toBeLessThan(8_000);

    for (const channel of channels)
      await owner.api.message.send({
        channelId: channel.id,
        body: "after the outage",
        clientMessageId: randomUUID(),
      });
    for (const stream of streams) {
      await stream.until((s) => s.events.some((e) => e.data.type === "message.created"));
      stream.close();
      expect(stream.errors).toEqual([]);
      expect(stream.events.filter((e) => e.data.type === "message.created")).toHaveLength(1);
    }
  });

  it("answers a fault with an error id and a sentence, without the statement or its parameters", async () => {
    const owner = await newUser(db, "Owner");
    const workspace = await newWorkspace(owner);
    const { token } = await owner.api.token.create({ name: "outage" });
    await revisionsReadable(false);
    try {
      const call = await trpcQuery(
        server.url,
        "channel.get",
        { channelId: workspace.generalChannelId },
        { token },
      );
      expect(call.status).toBe(500);
      const error = call.body.error;
      expect(error?.message).toMatch(/^Something went wrong on our side \(error [0-9a-f-]{36}\)/);
      const text = JSON.stringify(call.body);
      for (const leak of ["select", "last_revision", "Failed query", "permission denied", role])
        expect(text).not.toContain(leak);
      expect(text).not.toContain(workspace.generalChannelId.slice(9));
      // The log has the detail under the same id.
      const errorId = (error?.data as { errorId?: string } | undefined)?.errorId;
      expect(errorId).toBeTruthy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const line = server
        .output()
        .split("\n")
        .find((l) => l.includes(errorId as string));
      expect(line).toContain("permission denied");
    } finally {
      await revisionsReadable(true);
    }
  });

  it("answers a good session cookie 'try again' while the sessions cannot be read, and keeps it", async () => {
    const person = {
      email: `outage-${randomUUID()}@example.test`,
      name: "Outage",
      password: "a long enough password",
    };
    await signUp(server.url, person);
    const cookie = await signIn(server.url, person.email, person.password);
    await execute(`REVOKE SELECT ON user_sessions FROM ${role}`);
    try {
      const call = await trpcQuery(server.url, "user.me", undefined, { cookie });
      expect(call.status).toBe(503);
      expect(call.body.error?.message).toMatch(/could not be checked/);
      // Auth.js clears a cookie it refuses; this one was not refused.
      expect(call.headers.getSetCookie().join("\n")).not.toMatch(/session-token=;|Max-Age=0/i);
    } finally {
      await execute(`GRANT SELECT ON user_sessions TO ${role}`);
    }
    const after = await trpcQuery(server.url, "user.me", undefined, { cookie });
    expect(after.status).toBe(200);
  });
});
