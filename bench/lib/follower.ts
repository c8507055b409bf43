/**
 * One subscriber of `message.onEvent` over raw SSE, and a crowd of them:
 * opened with a bound on how many are connecting at once, each ready once
 * the server's `sync` event says it is attached (after any replay).
 */

import { sleep } from "@/lib/process";
import { now } from "./context";
import { openSse, type SseEncoding, type SseStream } from "./sse";

export interface FollowerOptions {
  baseUrl: string;
  path: string;
  token: string;
  encoding: SseEncoding;
  lastEventId?: string;
  /** Each message.created event with its SSE id (the position) and raw data. */
  onMessage(follower: Follower, position: number, data: string): void;
}

export class Follower {
  synced = false;
  syncedAt: number | undefined;
  /** The last SSE id seen: where a reconnect resumes. */
  lastId: string | undefined;
  outOfOrder = 0;
  failure: string | undefined;
  ended = false;
  private stream: SseStream | undefined;
  private lastPosition = -1;

  constructor(readonly options: FollowerOptions) {}

  open(lastEventId?: string): this {
    const { options } = this;
    this.synced = false;
    this.syncedAt = undefined;
    this.ended = false;
    this.stream = openSse(
      options.baseUrl,
      options.path,
      { token: options.token, encoding: options.encoding, lastEventId },
      {
        onEvent: (id, event, data) => {
          if (event === "connected" || event === "ping") return;
          if (event === "serialized-error" || event === "error") {
            this.failure ??= `error event: ${data.slice(0, 300)}`;
            return;
          }
          if (id !== undefined) {
            const position = Number(id);
            const isSync = data.includes('"type":"sync"');
            // Positions only grow; a sync repeats the last one.
            if (position < this.lastPosition || (position === this.lastPosition && !isSync))
              this.outOfOrder++;
            this.lastPosition = Math.max(this.lastPosition, position);
            this.lastId = id;
            if (isSync) {
              this.synced = true;
              this.syncedAt ??= now();
              return;
            }
            if (data.includes('"type":"message.created"')) options.onMessage(this, position, data);
          }
        },
        onEnd: (error) => {
          this.ended = true;
          if (!this.synced || error) this.failure ??= error ? String(error) : "stream ended";
        },
      },
    );
    this.stream.opened.then(
      (status) => {
        if (status !== 200) this.failure ??= `HTTP ${status}`;
      },
      (error: unknown) => {
        this.failure ??= String(error);
      },
    );
    return this;
  }

  close() {
    this.stream?.close();
    this.stream = undefined;
  }
}

/**
 * Opens (or reopens, each from its own last id when `resume`) every follower,
 * at most `parallel` connecting at once; resolves when all are synced or
 * failed, or after `timeoutMs`.
 */
export async function openAll(
  followers: Follower[],
  options: { parallel: number; resume?: boolean; timeoutMs: number },
) {
  const deadline = now() + options.timeoutMs;
  const connecting = new Set<Follower>();
  const settle = () => {
    for (const follower of connecting) {
      if (follower.synced || follower.failure) connecting.delete(follower);
    }
  };
  for (const follower of followers) {
    while (connecting.size >= options.parallel && now() < deadline) {
      await sleep(2);
      settle();
    }
    follower.open(options.resume ? follower.lastId : undefined);
    connecting.add(follower);
  }
  while (connecting.size > 0 && now() < deadline) {
    await sleep(5);
    settle();
  }
}

export function closeAll(followers: Follower[]) {
  for (const follower of followers) follower.close();
}

/** The SSE path of message.onEvent for a channel. */
export const onEventPath = (channelId: string) =>
  `/api/trpc/message.onEvent?input=${encodeURIComponent(JSON.stringify({ channelId }))}`;
