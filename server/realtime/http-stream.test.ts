/**
 * The event streams over real HTTP and SSE against the production build:
 * who may subscribe, streams ending when access goes, and no leaked
 * listeners, timers or memory after 1,000 streams come and go.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { newUser, newWorkspace, type TestUser } from "@/testing/api";
import { type AppServer, entries, startAppServer } from "@/testing/app-server";
import { testDatabase } from "@/testing/db";
import { signIn } from "@/testing/http";
import { apiClient, record } from "@/testing/sse";

const { db } = testDatabase("pg", 10);
let server: AppServer;

describe.each(entries)("%s entry", (entry) => {
  beforeAll(async () => {
    server = await startAppServer({
      entry,
      databaseUrl: inject("databaseUrl"),
      env: {
        SEQUENT_DIAGNOSTICS: "1",
        NODE_OPTIONS: "--expose-gc",
        REDIS_URL: undefined,
        // One person opens a thousand streams here, to measure what each costs.
        STREAMS_PER_USER: "5000",
        STREAMS_PER_TOKEN: "5000",
      },
    });
  });
  afterAll(() => server?.stop());

  async function tokenFor(user: TestUser) {
    return (await user.api.token.create({ name: "test" })).token;
  }

  async function diagnostics() {
    const response = await fetch(`${server.url}/api/health`);
    return (await response.json()) as {
      listeners: number;
      feeds: number;
      heapUsed: number;
      rss: number;
      resources: Record<string, number>;
      dbConnections: { total: number; idle: number };
    };
  }

  function follow(
    token: string | undefined,
    input: { channelId?: string; conversationId?: string },
  ) {
    const client = apiClient(server.url, { token });
    return record<TargetStreamEvent>((handlers) =>
      client.message.onEvent.subscribe(input as { channelId: string }, handlers),
    );
  }

  /** A raw SSE request, as `curl -N` would make it: returns the body received within `ms`. */
  async function rawStream(
    path: string,
    input: unknown,
    headers: Record<string, string> = {},
    ms = 1500,
  ) {
    const controller = new AbortController();
    const url = `${server.url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", ...headers },
      signal: controller.signal,
    });
    let body = "";
    const reader = response.body?.getReader();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
        if (done) break;
        body += decoder.decode(value);
      }
    } catch {
      // Aborted after `ms`: what arrived so far is the answer.
    } finally {
      clearTimeout(timer);
    }
    return { status: response.status, body };
  }

  describe("event streams over HTTP", () => {
    let owner: TestUser;
    let member: TestUser;
    let outsider: TestUser;
    let workspaceId: string;
    let privateChannel: string;

    beforeAll(async () => {
      owner = await newUser(db, "Owner");
      member = await newUser(db, "Member");
      outsider = await newUser(db, "Outsider");
      const workspace = await newWorkspace(owner, [member]);
      workspaceId = workspace.id;
      await newWorkspace(outsider);
      privateChannel = (
        await owner.api.channel.create({
          workspaceId,
          name: `secret-${randomUUID().slice(0, 6)}`,
          isPrivate: true,
        })
      ).id;
    });

    it("refuses anonymous callers, outsiders and non-members, through the client and raw SSE", async () => {
      const outsiderToken = await tokenFor(outsider);
      const memberToken = await tokenFor(member);
      for (const [token, code] of [
        [undefined, "UNAUTHORIZED"],
        [outsiderToken, "NOT_FOUND"],
        [memberToken, "NOT_FOUND"],
      ] as const) {
        const stream = follow(token, { channelId: privateChannel });
        await stream.until((r) => r.errors.length > 0 || r.completed);
        expect(stream.events.filter((e) => e.data?.type !== "sync")).toEqual([]);
        expect(String((stream.errors[0] as { data?: { code?: string } })?.data?.code)).toBe(code);
        stream.close();

        const raw = await rawStream(
          "message.onEvent",
          { channelId: privateChannel },
          token ? { authorization: `Bearer ${token}` } : {},
        );
        expect(raw.body).toContain("event: serialized-error");
        expect(raw.body).toContain(`"code":"${code}"`);
        expect(raw.body).not.toContain("message.created");
      }
    });

    it("ends a removed member's stream within a second, saying why; and a revoked token's", async () => {
      const memberToken = await tokenFor(member);
      await owner.api.channel.addMember({ channelId: privateChannel, userId: member.id });
      const stream = follow(memberToken, { channelId: privateChannel });
      await stream.until((r) => r.events.some((e) => e.data.type === "sync"));
      const removedAt = Date.now();
      await apiClient(server.url, { token: await tokenFor(owner) }).channel.removeMember.mutate({
        channelId: privateChannel,
        userId: member.id,
      });
      await stream.until((r) => r.events.some((e) => e.data.type === "stream.closed"), 5_000);
      expect(Date.now() - removedAt).toBeLessThan(1_000);
      expect(stream.events.at(-1)?.data).toEqual({
        type: "stream.closed",
        // Told who removed them, from where.
        reason: `${owner.name} removed you from #${(await owner.api.channel.get({ channelId: privateChannel })).name}.`,
        lost: "place",
      });
      stream.close();

      const { id: tokenId, token } = await member.api.token.create({ name: "to revoke" });
      const general = (await member.api.workspace.get({ workspaceId })).generalChannelId as string;
      const byToken = follow(token, { channelId: general });
      await byToken.until((r) => r.events.some((e) => e.data.type === "sync"));
      const revokedAt = Date.now();
      // Tokens are managed only when signed in, not with another token.
      const cookie = await signIn(server.url, member.email, "correct horse battery staple");
      await apiClient(server.url, { cookie }).token.revoke.mutate({ tokenId });
      await byToken.until((r) => r.events.some((e) => e.data.type === "stream.closed"), 5_000);
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
      expect(byToken.events.at(-1)?.data).toMatchObject({
        type: "stream.closed",
        reason: expect.stringContaining("revoked"),
        lost: "session",
      });
      byToken.close();
    });

    it("ends streams of a session signed out everywhere, and of its revoked tokens, each saying why", async () => {
      const ada = await newUser(db, "Ada Signout");
      const { generalChannelId } = await newWorkspace(ada);
      const cookie = await signIn(server.url, ada.email, "correct horse battery staple");
      const bySession = record<TargetStreamEvent>((handlers) =>
        apiClient(server.url, { cookie }).message.onEvent.subscribe(
          { channelId: generalChannelId },
          handlers,
        ),
      );
      const byToken = follow(await tokenFor(ada), { channelId: generalChannelId });
      await bySession.until((r) => r.events.some((e) => e.data.type === "sync"));
      await byToken.until((r) => r.events.some((e) => e.data.type === "sync"));
      await apiClient(server.url, { cookie }).user.signOutEverywhere.mutate({ revokeTokens: true });
      for (const stream of [bySession, byToken])
        await stream.until((r) => r.events.some((e) => e.data.type === "stream.closed"), 5_000);
      // The sentences a re-check would give, not the rings' tags ("signed out").
      expect(bySession.events.at(-1)?.data).toEqual({
        type: "stream.closed",
        reason: "You were signed out; sign in again.",
        lost: "session",
      });
      expect(byToken.events.at(-1)?.data).toEqual({
        type: "stream.closed",
        reason: "The API token of this stream was revoked.",
        lost: "session",
      });
      bySession.close();
      byToken.close();
    });

    it("ends the streams of someone removed from the workspace, naming who and which", async () => {
      const boss = await newUser(db, "Grace Hopper");
      const leaver = await newUser(db, "Leaving Member");
      const workspace = await newWorkspace(boss, [leaver], "Harbour Works");
      const stream = follow(await tokenFor(leaver), { channelId: workspace.generalChannelId });
      await stream.until((r) => r.events.some((e) => e.data.type === "sync"));
      await apiClient(server.url, { token: await tokenFor(boss) }).workspace.removeMember.mutate({
        workspaceId: workspace.id,
        userId: leaver.id,
      });
      await stream.until((r) => r.events.some((e) => e.data.type === "stream.closed"), 5_000);
      expect(stream.events.at(-1)?.data).toEqual({
        type: "stream.closed",
        reason: "Grace Hopper removed you from the workspace Harbour Works.",
        // A channel's stream watches the channel: the workspace went with it.
        lost: "place",
      });
      stream.close();
    });

    it("returns to its baseline of listeners, timers and memory after 1,000 streams come and go", async () => {
      const token = await tokenFor(owner);
      const general = (await owner.api.workspace.get({ workspaceId })).generalChannelId as string;
      const url = `${server.url}/api/trpc/message.onEvent?input=${encodeURIComponent(JSON.stringify({ channelId: general }))}`;

      const openAndDrop = async (count: number) => {
        const controllers = Array.from({ length: count }, () => new AbortController());
        const opened = await Promise.all(
          controllers.map(async (controller) => {
            const response = await fetch(url, {
              headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
              signal: controller.signal,
            });
            const reader = response.body?.getReader();
            // Wait for the sync event: the stream is fully attached.
            let text = "";
            while (!text.includes('"type":"sync"')) {
              const chunk = await reader?.read();
              if (!chunk || chunk.done) break;
              text += new TextDecoder().decode(chunk.value);
            }
            return reader;
          }),
        );
        const during = await diagnostics();
        for (const controller of controllers) controller.abort();
        await Promise.all(opened.map((reader) => reader?.cancel().catch(() => {})));
        return during;
      };

      await openAndDrop(5); // warm up: the feed for this channel now exists and lingers
      // Timers and sockets other than the database pool's (which grows under load and shrinks when idle).
      const streamTimers = (d: Awaited<ReturnType<typeof diagnostics>>) =>
        (d.resources.Timeout ?? 0) - d.dbConnections.idle;
      const settle = async (expected: number, timers = Number.POSITIVE_INFINITY) => {
        const deadline = Date.now() + 15_000;
        let current = await diagnostics();
        while (
          (current.listeners !== expected || streamTimers(current) > timers) &&
          Date.now() < deadline
        ) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          current = await diagnostics();
        }
        return current;
      };
      const baseline = await settle((await diagnostics()).listeners);
      const during = await openAndDrop(1000);
      expect(during.listeners).toBeGreaterThanOrEqual(baseline.listeners + 1000);
      const after = await settle(baseline.listeners, streamTimers(baseline));
      console.log(
        `1,000 streams: heap ${(baseline.heapUsed / 1e6).toFixed(1)} → ${(during.heapUsed / 1e6).toFixed(1)} → ${(after.heapUsed / 1e6).toFixed(1)} MB, ` +
          `rss ${(baseline.rss / 1e6).toFixed(0)} → ${(during.rss / 1e6).toFixed(0)} → ${(after.rss / 1e6).toFixed(0)} MB, ` +
          `per open stream ≈ ${((during.heapUsed - baseline.heapUsed) / 1000 / 1024).toFixed(1)} KB heap`,
      );
      expect(after.listeners).toBe(baseline.listeners);
      expect(streamTimers(after)).toBeLessThanOrEqual(streamTimers(baseline));
      expect(after.heapUsed).toBeLessThan(baseline.heapUsed + 8 * 1024 * 1024);
    });
  });
});
