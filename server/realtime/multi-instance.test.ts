/**
 * Two app instances (production builds on different ports) sharing the
 * run's PostgreSQL and one Redis, as a deployment behind a load balancer:
 * sends through either reach the subscribers of both exactly once and in
 * order, the clients of an instance killed mid-stream resume without loss
 * or duplicates once it is back, and the tab stream and typing indicators
 * cross instances too. Skipped, saying why, when no Redis is configured or
 * it does not answer.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { env } from "@/lib/env";
import { sleep } from "@/lib/process";
import { sendMessage } from "@/server/messages/send";
import type { TargetStreamEvent, Typist } from "@/server/realtime/events";
import type { WorkspaceStreamEvent } from "@/server/realtime/workspace-stream";
import { newUser, newWorkspace, type TestUser } from "@/testing/api";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { testDatabase } from "@/testing/db";
import { apiClient, record, type StreamRecorder } from "@/testing/sse";

/** The URL without its password, for messages. */
function redact(url: string) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** Why these tests cannot run here, or null when Redis answers a PING. */
async function redisUnavailable(url: string | undefined): Promise<string | null> {
  if (!url) return "REDIS_URL is not set";
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on("error", (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    const answer = await client.ping();
    return answer === "PONG" ? null : `Redis at ${redact(url)} answered PING with ${answer}`;
  } catch (error) {
    // "Connection is closed." says less than the socket error that caused it.
    const reason = (lastError ?? (error as Error)).message;
    return `Redis at ${redact(url)} does not answer PING (${reason})`;
  } finally {
    client.disconnect();
  }
}

const redisUrl = env().REDIS_URL;
const skipReason = await redisUnavailable(redisUrl);
if (skipReason) {
  // On a developer's machine without Redis these are skipped; CI must run them.
  if (env().CI)
    throw new Error(`The multi-instance tests need Redis in CI (CI=true): ${skipReason}`);
  console.warn(`multi-instance real-time tests SKIPPED: ${skipReason}`);
}

const { db } = testDatabase("pg", 10);

type Stream = StreamRecorder<TargetStreamEvent>;

const created = (stream: Stream) =>
  stream.events.filter((event) => event.data.type === "message.created");
const synced = (stream: Stream) => stream.events.some((event) => event.data.type === "sync");
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Waits for `predicate`; fails at once if the stream errs or ends instead. */
async function waitFor(stream: Stream, predicate: (stream: Stream) => boolean, timeoutMs: number) {
  await stream.until((s) => predicate(s) || s.errors.length > 0 || s.completed, timeoutMs);
  expect(stream.errors).toEqual([]);
  expect(stream.completed).toBe(false);
}

/** Every change the stream delivered is a creation, at positions 1..n, once each, in order. */
function expectExactlyOnceInOrder(stream: Stream, n: number) {
  const changes = stream.events.filter((event) => event.data.type !== "sync");
  expect(changes.map((event) => event.data.type)).toEqual(range(n).map(() => "message.created"));
  const positions = changes.map((event) =>
    event.data.type === "message.created" ? event.data.position : -1,
  );
  expect(positions).toEqual(range(n));
  expect(changes.map((event) => event.id)).toEqual(positions.map(String));
  const sequences = changes.map((event) =>
    event.data.type === "message.created" ? event.data.message.sequence : -1,
  );
  expect(sequences).toEqual(range(n));
}

describe.skipIf(skipReason !== null)(
  `real time across two instances sharing PostgreSQL and Redis${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    const servers: { a?: AppServer; b?: AppServer } = {};
    const start = (port?: number) =>
      startAppServer({ databaseUrl: inject("databaseUrl"), port, env: { REDIS_URL: redisUrl } });
    const a = () => servers.a as AppServer;
    const b = () => servers.b as AppServer;

    beforeAll(async () => {
      // One at a time: the first may bring the production build up to date.
      servers.a = await start();
      servers.b = await start();
    }, 600_000);
    afterAll(async () => {
      await Promise.all([servers.a?.stop(), servers.b?.stop()]);
    });

    interface Member {
      user: TestUser;
      token: string;
    }

    /** A fresh workspace with `count` members besides its owner, each with an API token. */
    async function team(count: number) {
      const owner = await newUser(db, "Owner");
      const people = await Promise.all(
        Array.from({ length: count }, (_, i) => newUser(db, `Person ${i}`)),
      );
      const workspace = await newWorkspace(owner, people);
      const members: Member[] = await Promise.all(
        people.map(async (user) => ({
          user,
          token: (await user.api.token.create({ name: "multi-instance" })).token,
        })),
      );
      return { owner, workspace, members };
    }

    function follow(server: AppServer, token: string, channelId: string): Stream {
      const client = apiClient(server.url, { token });
      return record<TargetStreamEvent>((handlers) =>
        client.message.onEvent.subscribe({ channelId }, handlers),
      );
    }

    function sender(server: AppServer, token: string, channelId: string) {
      const client = apiClient(server.url, { token });
      return (body: string) =>
        client.message.send.mutate({ channelId, body, clientMessageId: randomUUID() });
    }

    it("delivers sends through either instance to subscribers of both, exactly once and in order", async () => {
      const { owner, workspace, members } = await team(10);
      const channelId = workspace.generalChannelId;
      const readers = members.slice(0, 4);
      const senders = members.slice(4);
      const streams = readers.map((reader, i) =>
        follow(i % 2 === 0 ? a() : b(), reader.token, channelId),
      );
      for (const stream of streams) await waitFor(stream, synced, 30_000);

      const perSender = 50;
      await Promise.all(
        senders.map(async (member, s) => {
          const send = sender(s % 2 === 0 ? a() : b(), member.token, channelId);
          for (let i = 0; i < perSender; i++) await send(`sender ${s} message ${i}`);
        }),
      );
      const total = senders.length * perSender;
      expect((await owner.api.channel.get({ channelId })).lastSequence).toBe(total);

      for (const stream of streams)
        await waitFor(stream, (s) => created(s).length >= total, 60_000);
      // A moment for a stray duplicate to show up before the exact comparison.
      await sleep(300);
      for (const stream of streams) {
        expectExactlyOnceInOrder(stream, total);
        stream.close();
      }
    }, 180_000);

    it("shows a tab on one instance the unread count rising for a send through the other", async () => {
      const { workspace, members } = await team(2);
      const [ada, bob] = members as [Member, Member];
      const { id: channelId } = await ada.user.api.channel.create({
        workspaceId: workspace.id,
        name: `random-${randomUUID().slice(0, 8)}`,
        isPrivate: false,
      });
      await bob.user.api.channel.join({ channelId });

      const client = apiClient(b().url, { token: bob.token });
      const tab = record<WorkspaceStreamEvent>((handlers) =>
        client.workspace.onEvent.subscribe({ workspaceId: workspace.id }, handlers),
      );
      await tab.until((t) => t.events.length > 0 || t.errors.length > 0, 30_000);
      expect(tab.errors).toEqual([]);
      const snapshot = tab.events[0]?.data;
      if (snapshot?.type !== "sidebar.snapshot")
        throw new Error("the tab stream began without a snapshot");
      expect(snapshot.channels.find((channel) => channel.id === channelId)?.unreadCount).toBe(0);

      const send = sender(a(), ada.token, channelId);
      const unread = (count: number) => (t: StreamRecorder<WorkspaceStreamEvent>) =>
        t.events.some(
          (event) =>
            event.data.type === "sidebar.channel" &&
            event.data.channel.id === channelId &&
            event.data.channel.unreadCount === count,
        );
      await send("one for bob");
      await tab.until(unread(1), 20_000);
      await send("and another");
      await tab.until(unread(2), 20_000);
      expect(tab.errors).toEqual([]);
      tab.close();
    }, 120_000);

    it("shows typing through one instance to an onTyping subscriber on the other", async () => {
      const { workspace, members } = await team(2);
      const [ada, bob] = members as [Member, Member];
      const channelId = workspace.generalChannelId;

      type TypingEvent = { type: "typing"; typists: Typist[] } | { type: "stream.closed" };
      const typing = record<TypingEvent>((handlers) =>
        apiClient(b().url, { token: bob.token }).channel.onTyping.subscribe(
          { channelId },
          handlers,
        ),
      );
      await typing.until((t) => t.events.length > 0 || t.errors.length > 0, 30_000);
      expect(typing.events[0]?.data).toEqual({ type: "typing", typists: [] });

      const typists = (t: StreamRecorder<TypingEvent>) => {
        const last = t.events.at(-1)?.data;
        return last?.type === "typing" ? last.typists : [];
      };
      await apiClient(a().url, { token: ada.token }).channel.typing.mutate({ channelId });
      await typing.until((t) => typists(t).some((typist) => typist.userId === ada.user.id), 20_000);
      expect(typists(typing)).toEqual([
        { userId: ada.user.id, name: ada.user.name, threadId: null },
      ]);

      // Sending the message ends the indicator at once, on the other instance too.
      await sender(a(), ada.token, channelId)("done typing");
      await typing.until((t) => t.events.length > 2 && typists(t).length === 0, 4_000);
      expect(typing.errors).toEqual([]);
      typing.close();
    }, 120_000);

    it("resumes a client on an instance whose feed trails the database, with no reset and no repeat", async () => {
      const { workspace, members } = await team(2);
      const [ada, bob] = members as [Member, Member];
      const channelId = workspace.generalChannelId;
      // A subscriber on B keeps B's feed for the channel open.
      const keeper = follow(b(), bob.token, channelId);
      await waitFor(keeper, synced, 30_000);
      await sender(a(), ada.token, channelId)("rung as usual");
      await waitFor(keeper, (s) => created(s).length >= 1, 20_000);

      // Stored without a ring, as when a publish to Redis is lost: B's feed
      // trails the database until its next poll or the next ring.
      const silent = await sendMessage(db, {
        authorId: ada.user.id,
        target: { kind: "channel", id: channelId },
        body: "its ring was lost",
        clientMessageId: randomUUID(),
      });
      expect(silent.message.revision).toBe(2);

      // A client that has position 2 (from instance A, or a page rendered from
      // the database) connects to B.
      const moved = record<TargetStreamEvent>((handlers) =>
        apiClient(b().url, { token: bob.token }).message.onEvent.subscribe(
          { channelId, lastEventId: "2" },
          handlers,
        ),
      );
      await waitFor(moved, synced, 30_000);
      expect(moved.events[0]).toEqual({
        id: "2",
        data: { type: "sync", position: 2, reset: false },
      });

      // The next ring makes B's feed read the missed change from PostgreSQL;
      // the moved client, which has it, gets only what is new to it.
      await sender(a(), ada.token, channelId)("the next one");
      await waitFor(keeper, (s) => created(s).length >= 3, 20_000);
      await waitFor(moved, (s) => created(s).length >= 1, 20_000);
      await sleep(300);
      expectExactlyOnceInOrder(keeper, 3);
      expect(moved.events.map((event) => [event.id, event.data.type])).toEqual([
        ["2", "sync"],
        ["3", "message.created"],
      ]);
      keeper.close();
      moved.close();

      // A position beyond the database's is still a reset (a restored backup, say).
      const ahead = record<TargetStreamEvent>((handlers) =>
        apiClient(b().url, { token: bob.token }).message.onEvent.subscribe(
          { channelId, lastEventId: "1000" },
          handlers,
        ),
      );
      await waitFor(ahead, synced, 30_000);
      expect(ahead.events[0]?.data).toEqual({ type: "sync", position: 3, reset: true });
      ahead.close();
    }, 120_000);

    it("resumes the clients of an instance killed mid-stream and restarted, with no loss and no duplicate", async () => {
      const { owner, workspace, members } = await team(8);
      const channelId = workspace.generalChannelId;
      const readers = members.slice(0, 4);
      const [a1, a2, b1, b2] = members.slice(4) as [Member, Member, Member, Member];
      const onA = readers.slice(0, 2).map((reader) => follow(a(), reader.token, channelId));
      const onB = readers.slice(2).map((reader) => follow(b(), reader.token, channelId));
      const streams = [...onA, ...onB];
      for (const stream of streams) await waitFor(stream, synced, 30_000);

      let sent = 0;
      // Two people keep sending through A throughout, at a pace well under the rate limit.
      let sending = true;
      const throughA = Promise.all(
        [a1, a2].map(async (member, s) => {
          const send = sender(a(), member.token, channelId);
          for (let i = 0; sending; i++) {
            await send(`via A, sender ${s}, message ${i}`);
            sent++;
            await sleep(100);
          }
        }),
      );
      const burstThroughB = () =>
        Promise.all(
          [b1, b2].map(async (member, s) => {
            const send = sender(b(), member.token, channelId);
            for (let i = 0; i < 20; i++) {
              await send(`via B, sender ${s}, message ${i}`);
              sent++;
            }
          }),
        );

      try {
        await burstThroughB();
        for (const stream of onB) await waitFor(stream, (s) => created(s).length >= 30, 30_000);
        const victim = b();
        await victim.kill();
        const killedAt = Date.now();

        // The outage: sends go on through A.
        const atKill = sent;
        const outageEnds = Date.now() + 30_000;
        while (sent < atKill + 30 && Date.now() < outageEnds) await sleep(50);
        expect(sent).toBeGreaterThanOrEqual(atKill + 30);

        servers.b = await start(victim.port);
        const sentWhileDown = sent - atKill;
        const downMs = Date.now() - killedAt;
        await burstThroughB();
        // Let the restarted instance's clients come back while A's senders still send.
        for (const stream of onB) await waitFor(stream, (s) => created(s).length >= sent, 60_000);
        console.log(
          `instance B was down ${downMs} ms (SIGKILL to answering again on port ${victim.port}); ` +
            `${sentWhileDown} messages were sent through A meanwhile`,
        );
      } finally {
        sending = false;
        await throughA;
      }

      const total = sent;
      expect((await owner.api.channel.get({ channelId })).lastSequence).toBe(total);
      for (const stream of streams)
        await waitFor(stream, (s) => created(s).length >= total, 60_000);
      await sleep(300);
      for (const stream of streams) {
        expectExactlyOnceInOrder(stream, total);
        stream.close();
      }
      // The killed instance's clients lost their connection and resumed (a sync per connect).
      for (const stream of onB) {
        expect(stream.states.join(" ")).toMatch(/pending.*connecting.*pending/);
        expect(stream.events.filter((event) => event.data.type === "sync").length).toBeGreaterThan(
          1,
        );
      }
    }, 300_000);
  },
);
