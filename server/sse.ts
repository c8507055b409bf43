/**
 * Server-sent events for tRPC subscriptions, speaking exactly the protocol of
 * tRPC's httpSubscriptionLink (`connected`, tracked `id:`/`data:` events,
 * `ping`, `serialized-error`, `return`, `restore-id`), through the same
 * procedures, input parsing and middleware as every other call
 * (callTRPCProcedure). One producer, two sinks: a web ReadableStream for the
 * route handler (serveSubscription) and a Node ServerResponse for the Node
 * server (streamSubscription), so both write the same frames with the same
 * resume, pings, maximum age and shutdown.
 *
 * Why not tRPC's own SSE producer: it builds a chain of async generators,
 * transform streams and a timer for every stream and serialises every event
 * once per subscriber. A channel with thousands of open tabs then spends its
 * CPU and memory there. Here a stream is one loop over the procedure's
 * iterator writing into its sink; an event object that many subscribers
 * share (the feeds hand the same MessageEvent to all of them) is encoded once
 * per position; and pings and the maximum stream age are handled for all
 * streams by one timer. The frames are byte for byte tRPC's
 * (server/sse.test.ts runs both producers on the same events). Like tRPC's,
 * nothing here compresses: a compressing proxy must leave text/event-stream
 * alone (Cache-Control: no-transform says so).
 *
 * Two frames tRPC's producer never sends, both before the server itself ends
 * a stream without `return` — past STREAM_MAX_SECONDS, or on shutdown —
 * so the client resumes at once instead of after its reconnect delay
 * (an EventSource's default is about 3 s): `retry: <ms>`, the SSE field
 * that sets the EventSource's reconnect delay, small and spread over up to a
 * second by how many streams end together. The client then reconnects with
 * its Last-Event-ID; on shutdown to another instance, because the socket is
 * closed with the response and new ones are refused.
 *
 * Each open stream holds a socket and a file descriptor, so one person may
 * hold at most STREAMS_PER_USER of them on this instance and one API token
 * at most STREAMS_PER_TOKEN; a stream past either cap is refused with
 * TOO_MANY_REQUESTS before its procedure runs.
 */
import type { ServerResponse } from "node:http";
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
import { API_HEADERS } from "./http/headers";
import { observeStream, type StreamObservation } from "./http/observe";
import { currentRequestId } from "./log";
import type { Context } from "./trpc";

const encoder = new TextEncoder();

/**
 * A frame laid out as tRPC's producer lays it out: `event:`, `data:` and
 * `id:` lines in that order, each ending in "\n", then "\n\n".
 */
function frame(fields: { event?: string; data?: string; id?: string }): Uint8Array {
  let text = "";
  if (fields.event !== undefined) text += `event: ${fields.event}\n`;
  if (fields.data !== undefined) text += `data: ${fields.data}\n`;
  if (fields.id !== undefined) text += `id: ${fields.id}\n`;
  return encoder.encode(`${text}\n\n`);
}

const PING = frame({ event: "ping", data: "" });
const RETURN = frame({ event: "return", data: "" });

export const sseHeaders = {
  "Content-Type": "text/event-stream",
  "Cache-Control": API_HEADERS["Cache-Control"],
  "X-Accel-Buffering": "no",
  Connection: "keep-alive",
};

/** Encoded frames of shared event objects, by object, for the position they were sent at. */
const frames = new WeakMap<object, { id: string; bytes: Uint8Array }>();

function trackedFrame(id: string, data: unknown): Uint8Array {
  const shared = typeof data === "object" && data !== null;
  if (shared) {
    const cached = frames.get(data);
    if (cached && cached.id === id) return cached.bytes;
  }
  const bytes = frame({ data: JSON.stringify(data), id });
  if (shared) frames.set(data, { id, bytes });
  return bytes;
}

/** Where a stream's frames go: a web ReadableStream or a Node response. */
interface Sink {
  /** Writes a frame; false when the reader is behind (then wait for drained()). */
  write(bytes: Uint8Array): boolean;
  /** Resolves once the reader caught up, or the sink closed. */
  drained(): Promise<void>;
  /** Ends the response; `final`: the connection must not serve another request (shutdown). */
  close(final: boolean): void;
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

interface OpenStream {
  openedAt: number;
  lastWriteAt: number;
  ping(): void;
  /** The server ends the stream: the client should resume, at once. */
  endWithResumeHint(reason: string, final: boolean): void;
}

/** One timer for every open stream: pings idle ones, ends those past the maximum age. */
const registry = processSingleton("sse:streams", () => {
  const streams = new Set<OpenStream>();
  /** Iterators being closed (their finally blocks: presence, feed listeners). */
  const settling = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const { STREAM_PING_SECONDS, STREAM_MAX_SECONDS } = env();
    const now = Date.now();
    for (const stream of streams) {
      if (now - stream.openedAt >= STREAM_MAX_SECONDS * 1000)
        stream.endWithResumeHint("max age", false);
      else if (now - stream.lastWriteAt >= STREAM_PING_SECONDS * 1000) stream.ping();
    }
  };
  let stopping = false;
  // Under plain `next start` nothing else ends streams on a signal; the Node
  // server's shutdown (server/node/shutdown.ts) calls the same, idempotently.
  const stop = () => {
    stopping = true;
    for (const stream of streams) stream.endWithResumeHint("shutdown", true);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return {
    get stopping() {
      return stopping;
    },
    get size() {
      return streams.size;
    },
    stop,
    settling,
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

/**
 * The reconnect delay a stream ending now tells its client: spread over up
 * to a second when many streams end together (a shutdown), so they do not
 * all arrive at the next instance in the same millisecond.
 */
const resumeHint = () =>
  encoder.encode(`retry: ${Math.floor(Math.random() * Math.min(1000, registry.size + 1))}\n\n`);

/** Ends every open stream with a resume hint and refuses new ones; returns how many it ended. */
export function endStreamsForShutdown(): number {
  const open = registry.size;
  registry.stop();
  return open;
}

/** Resolves once the procedures of ended streams have finished closing (at most `ms`). */
export async function streamsSettled(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...registry.settling]),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export function openStreams(): number {
  return registry.size;
}

/** Whether `path` names a subscription of the router (only those are served here). */
export function isSubscription(router: AnyTRPCRouter, path: string): boolean {
  const procedure = (
    router._def.procedures as Record<string, { _def: { type: string } } | undefined>
  )[path];
  return procedure?._def.type === "subscription";
}

/**
 * Why the router cannot be served by this producer, if it cannot: it writes
 * events as plain JSON and takes pings and ages from its own settings, so a
 * data transformer (superjson, …) or tRPC `sse` options would be silently
 * ignored. Checked at start-up.
 */
export function leanProducerProblem(router: AnyTRPCRouter): string | undefined {
  const config = router._def._config as {
    transformer: { output: { serialize(value: unknown): unknown } };
    sse?: unknown;
  };
  const probe = { probe: true };
  if (config.transformer.output.serialize(probe) !== probe) {
    return "The tRPC router has a data transformer, which server/sse.ts does not apply to events: remove it, or serve subscriptions with tRPC's own SSE producer.";
  }
  if (config.sse !== undefined) {
    return "The tRPC router has `sse` options, which server/sse.ts does not read: set STREAM_PING_SECONDS and STREAM_MAX_SECONDS instead.";
  }
  return undefined;
}

export interface SubscriptionRequest {
  router: AnyTRPCRouter;
  /** The procedure's path, decoded. */
  path: string;
  url: URL;
  headers: Headers;
  createContext: () => Promise<Context>;
  onError?: (error: TRPCError) => void;
}

function lastEventIdOf(headers: Headers, url: URL): string | null {
  const value =
    headers.get("last-event-id") ??
    url.searchParams.get("lastEventId") ??
    url.searchParams.get("Last-Event-Id");
  return value && !/[\0\n\r]/.test(value) ? value : null;
}

/** A subscription whose procedure has run (or failed to start), ready to write into a sink. */
class EventStream implements OpenStream {
  openedAt = Date.now();
  lastWriteAt = this.openedAt;
  private finished = false;
  private sink: Sink | undefined;
  private observation: StreamObservation | undefined;

  constructor(
    private readonly request: SubscriptionRequest,
    private readonly state: {
      connected: Uint8Array;
      iterator: AsyncIterator<unknown> | undefined;
      startError: unknown;
      errorFrame(cause: unknown): Uint8Array;
      abort: AbortController;
      releaseSlot(): void;
      lastEventId: string | null;
      requestId: string | undefined;
      userId: string | undefined;
    },
  ) {}

  /** Writes the stream into `sink` until it ends. */
  async run(sink: Sink): Promise<void> {
    this.sink = sink;
    const { iterator } = this.state;
    this.write(this.state.connected);
    if (!iterator) {
      this.finish(this.state.errorFrame(this.state.startError), "refused", false);
      return;
    }
    registry.add(this);
    this.observation = observeStream({
      procedure: this.request.path,
      requestId: this.state.requestId,
      userId: this.state.userId,
    });
    try {
      for (;;) {
        const next = await iterator.next();
        if (this.finished) return;
        if (next.done) {
          this.finish(RETURN, "done", false);
          return;
        }
        this.observation.delivered();
        if (!this.writeValue(next.value)) await sink.drained();
      }
    } catch (cause) {
      if (!this.finished) this.finish(this.state.errorFrame(cause), "error", false);
    }
  }

  /** As tRPC's producer: an untracked value after a tracked one blanks the id, then restores it. */
  private writeValue(value: unknown): boolean {
    if (isTrackedEnvelope(value)) {
      this.state.lastEventId = value[0];
      return this.write(trackedFrame(value[0], value[1]));
    }
    const data = JSON.stringify(value);
    if (this.state.lastEventId === null) return this.write(frame({ data }));
    this.write(frame({ data, id: "" }));
    return this.write(frame({ event: "restore-id", data: "", id: this.state.lastEventId }));
  }

  private write(bytes: Uint8Array): boolean {
    if (this.finished || !this.sink) return false;
    this.lastWriteAt = Date.now();
    return this.sink.write(bytes);
  }

  ping() {
    this.write(PING);
  }

  endWithResumeHint(reason: string, final: boolean) {
    this.finish(resumeHint(), reason, final);
  }

  /** The client went away. */
  gone() {
    this.finish(undefined, "client", false);
  }

  private finish(last: Uint8Array | undefined, reason: string, final: boolean) {
    if (this.finished) return;
    if (last) this.write(last);
    this.finished = true;
    this.observation?.closed(reason);
    this.state.releaseSlot();
    registry.delete(this);
    this.state.abort.abort();
    const closing = this.state.iterator?.return?.();
    if (closing) {
      const settled = closing.catch(() => {});
      registry.settling.add(settled);
      void settled.then(() => registry.settling.delete(settled));
    }
    this.sink?.close(final);
  }
}

/**
 * Parses the input, creates the context, takes a stream slot and calls the
 * procedure; whatever fails is kept for an error frame after `connected`,
 * as tRPC does (HTTP 200 either way).
 */
async function openSubscription(request: SubscriptionRequest): Promise<EventStream> {
  const { router, path, url, headers } = request;
  const requestId = currentRequestId();
  const abort = new AbortController();
  const { STREAM_PING_SECONDS } = env();

  let input: unknown;
  let startError: unknown;
  try {
    const raw = url.searchParams.get("input");
    input = raw === null ? undefined : JSON.parse(raw);
  } catch (cause) {
    startError = new TRPCError({ code: "PARSE_ERROR", message: "input is not valid JSON", cause });
  }
  const lastEventId = lastEventIdOf(headers, url);
  if (lastEventId) {
    input =
      typeof input === "object" && input !== null
        ? { ...input, lastEventId }
        : (input ?? { lastEventId });
  }

  let ctx: Context | undefined;
  const errorFrame = (cause: unknown) => {
    const error = getTRPCErrorFromUnknown(cause);
    request.onError?.(error);
    const shape = getTRPCErrorShape({
      config: router._def._config,
      ctx,
      error,
      input,
      path,
      type: "subscription",
    });
    return frame({ event: "serialized-error", data: JSON.stringify(shape) });
  };

  let iterator: AsyncIterator<unknown> | undefined;
  let releaseSlot: () => void = () => {};
  if (!startError) {
    try {
      ctx = await request.createContext();
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
      startError = cause;
      releaseSlot();
    }
  }

  return new EventStream(request, {
    connected: frame({
      event: "connected",
      data: JSON.stringify({ reconnectAfterInactivityMs: STREAM_PING_SECONDS * 3000 }),
    }),
    iterator,
    startError,
    errorFrame,
    abort,
    releaseSlot,
    lastEventId,
    requestId,
    userId: ctx?.user?.id,
  });
}

/** For the route handler: the stream as a web Response. */
export async function serveSubscription(
  request: SubscriptionRequest & { signal?: AbortSignal },
): Promise<Response> {
  if (registry.stopping) {
    // A reconnect on a kept-alive socket of a stopping process: close the socket so it goes elsewhere.
    return new Response(resumeHint(), {
      status: 200,
      headers: { ...sseHeaders, Connection: "close" },
    });
  }
  const stream = await openSubscription(request);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let wake: (() => void) | undefined;
  const awake = () => {
    wake?.();
    wake = undefined;
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull: awake,
      cancel() {
        closed = true;
        awake();
        stream.gone();
      },
    },
    { highWaterMark: 16 },
  );
  const sink: Sink = {
    write(bytes) {
      if (closed) return false;
      try {
        controller.enqueue(bytes);
      } catch {
        closed = true;
        stream.gone();
        return false;
      }
      return (controller.desiredSize ?? 0) > 0;
    },
    drained: () =>
      closed || (controller.desiredSize ?? 0) > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wake = resolve;
          }),
    close() {
      if (closed) return;
      closed = true;
      awake();
      try {
        controller.close();
      } catch {
        // Already closed by the client.
      }
    },
  };
  request.signal?.addEventListener("abort", () => stream.gone(), { once: true });
  void stream.run(sink);
  return new Response(body, { status: 200, headers: sseHeaders });
}

/**
 * For the Node server: the stream written straight to `res`, with `headers`
 * besides the SSE ones. Resolves once the response has started; the stream
 * goes on until it ends or `res` closes.
 */
export async function streamSubscription(
  request: SubscriptionRequest,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  if (registry.stopping) {
    res.writeHead(200, { ...headers, ...sseHeaders, Connection: "close" });
    res.end(resumeHint());
    return;
  }
  const stream = await openSubscription(request);
  if (res.destroyed) {
    stream.gone();
    return;
  }
  res.writeHead(200, { ...headers, ...sseHeaders });
  res.on("close", () => stream.gone());
  const sink: Sink = {
    write: (bytes) => !res.writableEnded && !res.destroyed && res.write(bytes),
    drained: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      }),
    close(final) {
      if (res.writableEnded || res.destroyed) return;
      res.end();
      // Ended for a shutdown: the client's reconnect must open a new connection
      // (to another instance), not come back on this one.
      if (final) res.socket?.end();
    },
  };
  void stream.run(sink);
}
