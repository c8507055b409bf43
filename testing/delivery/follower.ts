/**
 * A raw SSE subscriber of `message.onEvent`, written the way a careful
 * outside client would be: fetch, the byte stream parsed into `id:` /
 * `event:` / `data:` frames by hand, and on any end of the stream (error,
 * end of file, stall, server error frame) a reconnect that sends the last
 * `id:` it received as `lastEventId` — by header, query parameter or input,
 * in turn — to the other instance each time, so a dead instance is failed
 * over from at once and a live pair is alternated between.
 *
 * It records everything it receives, raw and in arrival order; it judges
 * nothing. The checker compares the record with PostgreSQL afterwards.
 */
import { sleep } from "@/lib/process";
import { authHeaders, type Credentials, exposedInternals } from "./calls";
import type { TargetRef } from "./model";

export type StreamEntry =
  | { kind: "connect"; at: number; url: string; lastEventId: number }
  | {
      kind: "event";
      at: number;
      /** The SSE `id:` of the frame. */
      id: string | undefined;
      type: string;
      position: number;
      messageId: string | undefined;
      emoji: string | null;
    }
  | { kind: "sync"; at: number; id: string | undefined; position: number; reset: boolean }
  | { kind: "closed"; at: number; reason: string }
  | { kind: "end"; at: number; reason: string };

export interface FollowerOptions {
  name: string;
  target: TargetRef;
  credentials: Credentials;
  /** The instances, in the order tried (the first connection goes to urls[startIndex]). */
  urls: string[];
  startIndex: number;
  /** The position to start after (0: the whole history). */
  from: number;
  /** A connection silent for this long is cut and replaced (the server pings more often). */
  stallMs: number;
  /** Server answers that showed internals, for the report. */
  onExposure?: (where: string, detail: string) => void;
}

const LAST_EVENT_ID_WAYS = ["header", "query", "input"] as const;

export class Follower {
  readonly entries: StreamEntry[] = [];
  /** The last SSE id received: where the next connection resumes. */
  position: number;
  /** The highest event position received so far. */
  highest: number;
  delivered = 0;
  connections = 0;
  /** The instance of the open connection, if one is open. */
  connectedTo: string | undefined;
  private current: AbortController | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(readonly options: FollowerOptions) {
    this.position = options.from;
    this.highest = options.from;
  }

  get name() {
    return this.options.name;
  }

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Cuts the current connection, as a dropped network would; the follower reconnects. */
  abort(reason = "fault: stream aborted") {
    this.current?.abort(new Error(reason));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort(new Error("stopped"));
    await this.loop;
  }

  private async run() {
    let index = this.options.startIndex;
    let failures = 0;
    while (!this.stopped) {
      const url = this.options.urls[index % this.options.urls.length] as string;
      index++;
      const synced = await this.connect(url);
      if (this.stopped) break;
      failures = synced ? 0 : failures + 1;
      // The first retry goes out at once (to the other instance); repeated failures back off to 1 s.
      const delay =
        failures <= 1 ? Math.random() * 50 : Math.min(1_000, 50 * 2 ** failures) * Math.random();
      await sleep(delay);
    }
  }

  /** One connection, read until it ends; says whether it got as far as a sync. */
  private async connect(baseUrl: string): Promise<boolean> {
    const controller = new AbortController();
    this.current = controller;
    this.connections++;
    const { target } = this.options;
    const lastEventId = this.position;
    this.entries.push({ kind: "connect", at: Date.now(), url: baseUrl, lastEventId });
    const way = LAST_EVENT_ID_WAYS[this.connections % LAST_EVENT_ID_WAYS.length];
    const input: Record<string, unknown> = { [target.inputKey]: target.id };
    const headers: Record<string, string> = {
      accept: "text/event-stream",
      ...authHeaders(this.options.credentials),
    };
    let query = "";
    if (way === "header") headers["last-event-id"] = String(lastEventId);
    else if (way === "query") query = `&lastEventId=${lastEventId}`;
    else input.lastEventId = String(lastEventId);
    const url = `${baseUrl}/api/trpc/message.onEvent?input=${encodeURIComponent(JSON.stringify(input))}${query}`;

    let synced = false;
    this.connectedTo = baseUrl;
    let lastByteAt = Date.now();
    const stallCheck = setInterval(() => {
      if (Date.now() - lastByteAt > this.options.stallMs) controller.abort(new Error("stalled"));
    }, 250);
    const end = (reason: string) => this.entries.push({ kind: "end", at: Date.now(), reason });
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      if (response.status !== 200 || !response.body) {
        const text = await response.text().catch(() => "");
        const exposed = exposedInternals(text);
        if (exposed) this.options.onExposure?.(`message.onEvent HTTP ${response.status}`, exposed);
        end(`HTTP ${response.status}`);
        return false;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          end("end of stream");
          return synced;
        }
        lastByteAt = Date.now();
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
        for (let split = buffer.indexOf("\n\n"); split >= 0; split = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const outcome = this.frame(block);
          if (outcome === "synced") synced = true;
          else if (outcome) {
            end(outcome);
            controller.abort(new Error(outcome));
            return synced;
          }
        }
      }
    } catch (error) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason;
        end(reason instanceof Error ? reason.message : "aborted");
      } else {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        end(`network: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      return synced;
    } finally {
      clearInterval(stallCheck);
      this.connectedTo = undefined;
      if (this.current === controller) this.current = undefined;
    }
  }

  /** Handles one frame: undefined to go on, "synced", or the reason the connection ends. */
  private frame(block: string): string | "synced" | undefined {
    let id: string | undefined;
    let event: string | undefined;
    let data: string | undefined;
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data = data === undefined ? value : `${data}\n${value}`;
      else if (field === "id") id = value;
      else if (field === "event") event = value;
    }
    if (id !== undefined && id !== "" && /^\d+$/.test(id)) this.position = Number(id);
    if (event === "connected" || event === "ping") return undefined;
    if (event === "serialized-error") {
      const exposed = exposedInternals(data ?? "");
      if (exposed) this.options.onExposure?.("message.onEvent error frame", exposed);
      let code = "?";
      try {
        code = JSON.parse(data ?? "{}")?.data?.code ?? "?";
      } catch {}
      return `server error ${code}`;
    }
    if (event === "return") return "return";
    if (data === undefined) return undefined;
    const at = Date.now();
    let parsed: {
      type?: string;
      position?: number;
      reset?: boolean;
      reason?: string;
      message?: { id?: string };
      reaction?: { emoji?: string } | null;
    };
    try {
      parsed = JSON.parse(data);
    } catch {
      this.entries.push({ kind: "closed", at, reason: `unparsable data: ${data.slice(0, 100)}` });
      return undefined;
    }
    if (parsed.type === "sync") {
      this.entries.push({
        kind: "sync",
        at,
        id,
        position: Number(parsed.position),
        reset: parsed.reset === true,
      });
      return "synced";
    }
    if (parsed.type === "stream.closed") {
      this.entries.push({ kind: "closed", at, reason: String(parsed.reason) });
      return undefined;
    }
    const position = Number(parsed.position);
    this.delivered++;
    if (position > this.highest) this.highest = position;
    this.entries.push({
      kind: "event",
      at,
      id,
      type: String(parsed.type),
      position,
      messageId: parsed.message?.id,
      emoji: parsed.reaction?.emoji ?? null,
    });
    return undefined;
  }
}
