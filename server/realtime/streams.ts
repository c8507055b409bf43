/**
 * The event streams behind the subscriptions. `followTarget` yields every
 * change of one channel or conversation after a position, exactly once and
 * in order: it attaches to the shared feed first, replays (after, attach]
 * from the feed's memory or PostgreSQL, then passes live events on. The
 * stream ends with a reason when the subscriber loses access (removed from
 * the channel or workspace, token revoked, session ended).
 */
import type { Db } from "@/db/client";
import type { Target } from "@/lib/target";
import { loadTargetAccess } from "@/server/access";
import { credentialLost, isCredentialLoss } from "@/server/auth/credentials";
import type { Authentication } from "@/server/trpc";
import { topics } from "./bus";
import type { ClosedEvent, MessageEvent, TargetStreamEvent } from "./events";
import { feeds, type TargetFeed } from "./feed";
import { bus } from "./process-bus";
import { AsyncQueue } from "./queue";

// Removals and revocations are rung on the bus and take effect at once; this
// slow re-check only covers a ring that was lost, spread out so thousands of
// streams do not all query together.
const ACCESS_RECHECK_MS = 120_000;

export interface StreamIdentity {
  db: Db;
  userId: string;
  authentication: Authentication;
}

/** Why this identity may no longer follow `target`, or null while it may. */
export async function accessLost(identity: StreamIdentity, target: Target): Promise<string | null> {
  const { db, userId, authentication } = identity;
  const credential = await credentialLost(db, authentication);
  if (credential) return credential;
  const access = await loadTargetAccess(db, userId, target);
  if (!access || (access.kind === "channel" && !access.membership)) {
    return target.kind === "channel"
      ? "You are no longer a member of this channel."
      : "You are no longer a member of this conversation.";
  }
  return null;
}

/**
 * Calls `onLost` with a reason when the identity loses access: at once when
 * an access change is announced for it, and on a slow timer as a safety net.
 * Returns the function that stops watching.
 */
export function watchAccess(
  identity: StreamIdentity,
  check: () => Promise<string | null>,
  onLost: (reason: string) => void,
): () => void {
  let stopped = false;
  let checking = false;
  // A ring during a check may announce what that check read too early to see: check again after it.
  let again: { told?: string } | null = null;
  /** `told`: why, as the change that rang said it (e.g. who removed them); the check decides whether. */
  const recheck = async (told?: string): Promise<void> => {
    if (stopped) return;
    if (checking) {
      again = { told: told ?? again?.told };
      return;
    }
    checking = true;
    try {
      const reason = await check();
      if (!reason || stopped) return;
      again = null;
      // A ring names who took a membership; a credential loss (and a ring that
      // was about one, crossing a membership lost unannounced) is said as found.
      onLost(told && !isCredentialLoss(told) && !isCredentialLoss(reason) ? told : reason);
    } catch {
      // A failed check is retried on the next change or tick.
    } finally {
      checking = false;
      const next = again;
      again = null;
      if (next && !stopped) void recheck(next.told);
    }
  };
  const unsubscribers = [
    bus().subscribe(topics.user(identity.userId), (change) => {
      if (change.type === "access.changed") void recheck(change.reason);
    }),
    // Rings of removals may have been lost while the bus was away.
    bus().subscribe(topics.reconnected, () => void recheck()),
  ];
  if (identity.authentication.kind === "token") {
    unsubscribers.push(
      bus().subscribe(topics.token(identity.authentication.tokenId), () => void recheck()),
    );
  }
  const timer = setInterval(() => void recheck(), ACCESS_RECHECK_MS * (0.75 + Math.random() / 2));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}

type Item = { kind: "event"; event: MessageEvent } | { kind: "closed"; reason: string };

/** The last event of a stream that lost `reason`; a lost credential outranks what was watched. */
export function closedEvent(reason: string, watched: "workspace" | "place"): ClosedEvent {
  return {
    type: "stream.closed",
    reason,
    lost: isCredentialLoss(reason) ? "session" : watched,
  };
}

/**
 * Every event of one feed after `after`, exactly once and in order: attach
 * first, replay (after, attach] from the feed's memory or the log, say
 * `sync`, then pass live events on. `watch` may end the stream with a reason
 * (a last `stream.closed`); it gets the function to call and returns the one
 * that stops watching.
 */
export async function* followFeed(
  feed: TargetFeed,
  after: number | null,
  signal: AbortSignal | undefined,
  watch: (onLost: (reason: string) => void) => () => void = () => () => {},
): AsyncGenerator<{ position: number; event: TargetStreamEvent }> {
  const queue = new AsyncQueue<Item>();
  const listener = (event: MessageEvent) => queue.push({ kind: "event", event });
  const onAbort = () => queue.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  const stopWatching = watch((reason) => queue.push({ kind: "closed", reason }));
  try {
    if (signal?.aborted) return;
    let attachedAt: number;
    try {
      attachedAt = await feed.attach(listener, signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    let last = after ?? attachedAt;
    // The feed may trail the database for a moment (a ring still on its way from
    // another instance, or lost); only a position beyond the database's is a reset.
    // Otherwise the feed's events up to `last` are skipped below, as the client has them.
    const reset = last > attachedAt && last > ((await feed.logRevision()) ?? attachedAt);
    if (reset) last = attachedAt;
    if (after !== null && !reset) {
      for await (const page of feed.backlog(last, attachedAt)) {
        for (const event of page) {
          if (event.position !== last + 1) continue;
          last = event.position;
          yield { position: last, event };
        }
      }
    }
    yield { position: last, event: { type: "sync", position: last, reset } };
    for (let item = await queue.next(); item; item = await queue.next()) {
      if (item.kind === "closed") {
        yield { position: last, event: closedEvent(item.reason, "place") };
        return;
      }
      // The feed delivers in order from its attach position; the replay covered up to it.
      if (item.event.position <= last) continue;
      last = item.event.position;
      yield { position: last, event: item.event };
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    stopWatching();
    feed.detach(listener);
    queue.close();
  }
}

/**
 * The changes of one channel or conversation for one subscriber, ending with
 * a reason when the subscriber loses access (removed, token revoked).
 */
export async function* followTarget(
  identity: StreamIdentity,
  target: Target,
  after: number | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ position: number; event: TargetStreamEvent }> {
  // A generator of its own, so the feed is taken only when the stream is first read.
  yield* followFeed(feeds().get(identity.db, target), after, signal, (onLost) =>
    watchAccess(identity, () => accessLost(identity, target), onLost),
  );
}
