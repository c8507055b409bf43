/**
 * Server-sent events for tRPC subscriptions, speaking exactly the protocol of
 * tRPC's httpSubscriptionLink (`connected`, tracked `id:`/`data:` events,
 * `ping`, `serialized-error`, `return`), through the same procedures, input
 * parsing and middleware as every other call (callTRPCProcedure).
 *
 * Why not tRPC's own SSE producer: it builds a chain of async generators,
 * transform streams and a timer for every stream and serialises every event
 * once per subscriber. A channel with thousands of open tabs then spends its
 * CPU and memory there. Here a stream is one ReadableStream pulling from the
 * procedure's iterator; an event object that many subscribers share (the
 * feeds hand the same MessageEvent to all of them) is encoded once per
 * position; and pings and the maximum stream age are handled for all streams
 * by one timer.
 *
 * Each open stream holds a socket, a file descriptor and ~100 KB, so one
 * person may hold at most STREAMS_PER_USER of them on this instance and one
 * API token at most STREAMS_PER_TOKEN; a stream past either cap is refused
 * with TOO_MANY_REQUESTS before its procedure runs.
 */

import type { AnyTRPCRouter } from "@trpc/server";
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  isTrackedEnvelope,
  TRPCError,
} from "@trpc/server";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";
import type { Context } from "./trpc";

const encoder = new TextEncoder();
const PING = encoder.encode("event: ping\ndata: \n\n");
const RETURN = encoder.encode("event: return\ndata: \n\n");

export const sseHeaders = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  Connection: "keep-alive",
};

/** Encoded frames of shared event objects, by object, for the position they were sent at. */
const frames = new WeakMap<object, { id: string; bytes: Uint8Array }>();

function dataFrame(id: string | undefined, data: unknown): Uint8Array {
  const shared = typeof data === "object" && data !== null;
  if (shared && id !== undefined) {
    const cached = frames.get(data);
    if (cached && cached.id === id) return cached.bytes;
  }
  const bytes = encoder.encode(
    `${id !== undefined ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`,
  );
  if (shared && id !== undefined) frames.set(data, { id, bytes });
  return bytes;
}

interface OpenStream {
  openedAt: number;
  lastWriteAt: number;
  write(bytes: Uint8Array): void;
  end(): void;
}

/** Streams held open per person and per API token on this instance. */
const holders = processSingleton("sse:holders", () => ({
  users: new Map<string, number>(),
  tokens: new Map<string, number>(),
}));

const decrement = (map: Map<string, number>, key: string) => {
  const left = (map.get(key) ?? 1) - 1;
  if (left > 0) map.set(key, left);
  else map.delete(key);
};

/**
 * Takes a stream slot for the caller, or says which cap it would pass.
 * Returns the function that gives the slot back.
 */
function takeSlot(ctx: Context): (() => void) | TRPCError {
  if (!ctx.user) return () => {};
  const { STREAMS_PER_USER, STREAMS_PER_TOKEN } = env();
  const userId = ctx.user.id;
  const tokenId = ctx.authentication?.kind === "token" ? ctx.authentication.tokenId : undefined;
  if ((holders.users.get(userId) ?? 0) >= STREAMS_PER_USER) {
    return new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `You have ${STREAMS_PER_USER} event streams open already; close some tabs or clients first.`,
    });
  }
  if (tokenId && (holders.tokens.get(tokenId) ?? 0) >= STREAMS_PER_TOKEN) {
    return new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `This API token has ${STREAMS_PER_TOKEN} event streams open already; close one first.`,
    });
  }
  holders.users.set(userId, (holders.users.get(userId) ?? 0) + 1);
  if (tokenId) holders.tokens.set(tokenId, (holders.tokens.get(tokenId) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    decrement(holders.users, userId);
    if (tokenId) decrement(holders.tokens, tokenId);
  };
}

/** One timer for every open stream: pings idle ones, ends those past the maximum age. */
const registry = processSingleton("sse:streams", () => {
  const streams = new Set<OpenStream>();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const { STREAM_PING_SECONDS, STREAM_MAX_SECONDS } = env();
    const now = Date.now();
    for (const stream of streams) {
      if (now - stream.openedAt >= STREAM_MAX_SECONDS * 1000) stream.end();
      else if (now - stream.lastWriteAt >= STREAM_PING_SECONDS * 1000) stream.write(PING);
    }
  };
  // On shutdown every stream ends (without `return`), so clients reconnect —
  // to a live instance — instead of holding this process open.
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const stream of streams) stream.end();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return {
    get stopping() {
      return stopping;
    },
    add(stream: OpenStream) {
      streams.add(stream);
      if (!timer) {
        timer = setInterval(tick, 1000);
        timer.unref();
      }
    },
    delete(stream: OpenStream) {
      streams.delete(stream);
      if (streams.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
  };
});

function lastEventIdOf(request: Request, url: URL): string | null {
  const value =
    request.headers.get("last-event-id") ??
    url.searchParams.get("lastEventId") ??
    url.searchParams.get("Last-Event-Id");
  return value && !/[\0\n\r]/.test(value) ? value : null;
}

/** Whether `path` names a subscription of the router (only those are served here). */
export function isSubscription(router: AnyTRPCRouter, path: string): boolean {
  const procedure = (
    router._def.procedures as Record<string, { _def: { type: string } } | undefined>
  )[path];
  return procedure?._def.type === "subscription";
}

export async function serveSubscription(opts: {
  router: AnyTRPCRouter;
  path: string;
  request: Request;
  createContext: () => Promise<Context>;
  onError?: (error: TRPCError) => void;
}): Promise<Response> {
  const { router, path, request } = opts;
  if (registry.stopping) {
    // A reconnect on a kept-alive socket of a stopping process: close the socket so it goes elsewhere.
    return new Response(null, { status: 200, headers: { ...sseHeaders, Connection: "close" } });
  }
  const url = new URL(request.url);
  const abort = new AbortController();
  const { STREAM_PING_SECONDS } = env();

  let input: unknown;
  let startError: TRPCError | undefined;
  try {
    const raw = url.searchParams.get("input");
    input = raw === null ? undefined : JSON.parse(raw);
  } catch (cause) {
    startError = new TRPCError({ code: "PARSE_ERROR", message: "input is not valid JSON", cause });
  }
  const lastEventId = lastEventIdOf(request, url);
  if (lastEventId) {
    input =
      typeof input === "object" && input !== null
        ? { ...input, lastEventId }
        : (input ?? { lastEventId });
  }

  let ctx: Context | undefined;
  const errorFrame = (cause: unknown) => {
    const error = getTRPCErrorFromUnknown(cause);
    opts.onError?.(error);
    const shape = getTRPCErrorShape({
      config: router._def._config,
      ctx,
      error,
      input,
      path,
      type: "subscription",
    });
    return encoder.encode(`event: serialized-error\ndata: ${JSON.stringify(shape)}\n\n`);
  };

  let iterator: AsyncIterator<unknown> | undefined;
  let releaseSlot: () => void = () => {};
  if (!startError) {
    try {
      ctx = await opts.createContext();
      const slot = takeSlot(ctx);
      if (slot instanceof TRPCError) throw slot;
      releaseSlot = slot;
      const result = await callTRPCProcedure({
        router,
        path,
        getRawInput: async () => input,
        ctx,
        type: "subscription",
        signal: abort.signal,
        batchIndex: 0,
      });
      iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } catch (cause) {
      startError = getTRPCErrorFromUnknown(cause);
      releaseSlot();
    }
  }

  const connected = encoder.encode(
    `event: connected\ndata: ${JSON.stringify({ reconnectAfterInactivityMs: STREAM_PING_SECONDS * 3000 })}\n\n`,
  );
  let stream: OpenStream | undefined;
  let finished = false;
  const finish = (
    controller: ReadableStreamDefaultController<Uint8Array> | undefined,
    last?: Uint8Array,
  ) => {
    if (finished) return;
    finished = true;
    releaseSlot();
    if (stream) registry.delete(stream);
    abort.abort();
    void iterator?.return?.().catch(() => {});
    if (controller) {
      try {
        if (last) controller.enqueue(last);
        controller.close();
      } catch {
        // Already closed by the client.
      }
    }
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(connected);
        if (startError || !iterator) {
          finish(controller, errorFrame(startError));
          return;
        }
        const now = Date.now();
        stream = {
          openedAt: now,
          lastWriteAt: now,
          write(bytes) {
            if (finished) return;
            this.lastWriteAt = Date.now();
            try {
              controller.enqueue(bytes);
            } catch {
              finish(undefined);
            }
          },
          // Past the maximum age: end without `return`, so the client reconnects and resumes.
          end: () => finish(controller),
        };
        registry.add(stream);
        // A client gone while the procedure started would never fire "abort": free its slot now.
        if (request.signal?.aborted) finish(undefined);
        else request.signal?.addEventListener("abort", () => finish(undefined), { once: true });
      },
      async pull(controller) {
        if (finished || !iterator || !stream) return;
        try {
          const next = await iterator.next();
          if (finished) return;
          if (next.done) {
            finish(controller, RETURN);
            return;
          }
          const value = next.value;
          stream.write(
            isTrackedEnvelope(value) ? dataFrame(value[0], value[1]) : dataFrame(undefined, value),
          );
        } catch (cause) {
          finish(controller, errorFrame(cause));
        }
      },
      cancel() {
        finish(undefined);
      },
    },
    { highWaterMark: 16 },
  );

  return new Response(body, { status: 200, headers: sseHeaders });
}
