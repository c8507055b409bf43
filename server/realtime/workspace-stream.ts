/**
 * The one stream a browser tab holds: the sidebar of a workspace as
 * absolute values (server/realtime/sidebar.ts), who is online and, when the
 * tab has a channel or conversation open, that target's changes and who is
 * typing in it. The open target's changes are tracked by position exactly as
 * in message.onEvent, so the tab's lastEventId resumes them.
 */
import type { Target } from "@/lib/target";
import { targetColumns } from "@/lib/target";
import { loadWorkspaceAccess } from "@/server/access";
import { credentialLost } from "@/server/auth/credentials";
import { memberProfile } from "@/server/users/read";
import { topics } from "./bus";
import type { ClosedEvent, TargetStreamEvent, Typist } from "./events";
import { presence } from "./presence";
import { bus } from "./process-bus";
import { AsyncQueue } from "./queue";
import { currentRevision } from "./replay";
import { type SidebarEvent, SidebarTracker } from "./sidebar";
import { closedEvent, followTarget, type StreamIdentity, watchAccess } from "./streams";
import { watchTyping } from "./typing";

export type WorkspaceStreamEvent =
  | TargetStreamEvent
  | SidebarEvent
  | { type: "presence"; userId: string; online: boolean }
  | { type: "member"; member: NonNullable<Awaited<ReturnType<typeof memberProfile>>> }
  | { type: "typing"; channelId: string | null; conversationId: string | null; typists: Typist[] };

type Item =
  | { kind: "target"; position: number; event: TargetStreamEvent }
  | { kind: "event"; event: WorkspaceStreamEvent }
  | { kind: "closed"; event: ClosedEvent };

async function workspaceAccessLost(identity: StreamIdentity, workspaceId: string) {
  const credential = await credentialLost(identity.db, identity.authentication);
  if (credential) return credential;
  if (!(await loadWorkspaceAccess(identity.db, identity.userId, workspaceId))) {
    return "You are no longer a member of this workspace.";
  }
  return null;
}

/** Passes the open target's changes into the tab's queue, in order, from followTarget. */
async function pipeTarget(
  identity: StreamIdentity,
  workspaceId: string,
  open: Target,
  start: number,
  signal: AbortSignal,
  queue: AsyncQueue<Item>,
) {
  try {
    for await (const item of followTarget(identity, open, start, signal)) {
      if (item.event.type === "stream.closed") {
        // The target's watch may see a removal from the workspace first: say the workspace went.
        const workspaceLost =
          item.event.lost === "place" && (await workspaceAccessLost(identity, workspaceId));
        queue.push({
          kind: "closed",
          event: workspaceLost ? { ...item.event, lost: "workspace" } : item.event,
        });
        return;
      }
      queue.push({ kind: "target", ...item });
    }
  } catch (error) {
    queue.push({
      kind: "closed",
      event: closedEvent(`The stream failed: ${(error as Error).message}`, "place"),
    });
  }
}

export async function* followWorkspace(
  identity: StreamIdentity,
  workspaceId: string,
  open: Target | null,
  after: number | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ position: number; event: WorkspaceStreamEvent }> {
  const { db, userId } = identity;
  const queue = new AsyncQueue<Item>();
  const stream = new AbortController();
  const stop = () => {
    stream.abort();
    queue.close();
  };
  signal?.addEventListener("abort", stop, { once: true });
  const emit = (event: WorkspaceStreamEvent) => queue.push({ kind: "event", event });
  const sidebar = new SidebarTracker(db, userId, workspaceId, emit);

  const unsubscribers = [
    bus().subscribe(topics.workspace(workspaceId), (change) => {
      if (change.type === "presence")
        emit({ type: "presence", userId: change.userId, online: change.online });
      else if (change.type === "member.changed")
        void memberProfile(db, workspaceId, change.userId).then(
          (member) => member && emit({ type: "member", member }),
          () => {},
        );
      else sidebar.changed(change);
    }),
    bus().subscribe(topics.user(userId), (change) => {
      if (change.type === "sidebar.changed") sidebar.changed(change);
      else void sidebar.snapshot().then(emit, () => {});
    }),
  ];
  // Access to the open target is watched by followTarget itself.
  const stopWatching = watchAccess(
    identity,
    () => workspaceAccessLost(identity, workspaceId),
    (reason) => queue.push({ kind: "closed", event: closedEvent(reason, "workspace") }),
  );
  const typing = open
    ? watchTyping(open, (typists) => emit({ type: "typing", ...targetColumns(open), typists }))
    : undefined;

  try {
    if (signal?.aborted) return;
    // Without a lastEventId the tab starts from the open target's present, so
    // even the snapshot carries a position a reconnect can resume from.
    const start = open ? (after ?? (await currentRevision(db, open)) ?? 0) : 0;
    let position = start;
    await presence().enter(workspaceId, userId);
    try {
      yield { position, event: await sidebar.snapshot() };
      if (open) void pipeTarget(identity, workspaceId, open, start, stream.signal, queue);
      for (let item = await queue.next(); item; item = await queue.next()) {
        if (item.kind === "closed") {
          yield { position, event: item.event };
          return;
        }
        if (item.kind === "target") position = item.position;
        yield { position, event: item.event };
      }
    } finally {
      await presence()
        .leave(workspaceId, userId)
        .catch(() => {});
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    stream.abort();
    typing?.stop();
    stopWatching();
    for (const unsubscribe of unsubscribers) unsubscribe();
    sidebar.close();
    queue.close();
  }
}
