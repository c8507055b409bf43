/**
 * What a write changed, as the domain says it: domain functions record their
 * changes here, and one step (server/realtime/publish.ts, run by the tRPC
 * middleware once the procedure succeeded, so after every transaction in it
 * committed) announces them. Nothing is announced from inside a transaction
 * or from a router.
 */
import type { Target } from "@/lib/target";
import type { MessageEvent, Typist } from "./realtime/events";

/** Sidebar items to re-read. */
export interface SidebarItems {
  channelIds?: string[];
  conversationIds?: string[];
  /** The followed threads' unread counts. */
  threads?: boolean;
  /** The activity (mentions, replies, reactions) unread count. */
  activity?: boolean;
}

export type Change =
  /** A recorded change of a channel or conversation, at its position. */
  | { type: "message"; event: MessageEvent }
  /** These people's sidebars show these items differently now. */
  | { type: "sidebar"; userIds: string[]; items: SidebarItems }
  /** Everyone in the workspace may see these items differently now. */
  | { type: "workspaceSidebar"; workspaceId: string; items: SidebarItems }
  /** This person may have lost access to something; their streams re-check. */
  | { type: "access"; userId: string; reason: string }
  | { type: "tokenRevoked"; tokenId: string }
  /** These browser sessions of this person ended; their streams stop. */
  | { type: "sessionsEnded"; userId: string; sessionIds: string[] }
  | { type: "typing"; target: Target; typist: Typist; typing: boolean }
  /** Someone's name or status changed; the workspaces they are in show it. */
  | { type: "member"; userId: string; workspaceIds: string[] };

export class ChangeSet implements Iterable<Change> {
  private readonly changes: Change[] = [];

  add(change: Change): void {
    this.changes.push(change);
  }

  message(event: MessageEvent | null): void {
    if (event) this.add({ type: "message", event });
  }

  sidebar(userIds: string[], items: SidebarItems): void {
    if (userIds.length > 0) this.add({ type: "sidebar", userIds, items });
  }

  workspaceSidebar(workspaceId: string, items: SidebarItems): void {
    this.add({ type: "workspaceSidebar", workspaceId, items });
  }

  access(userId: string, reason: string): void {
    this.add({ type: "access", userId, reason });
  }

  [Symbol.iterator](): Iterator<Change> {
    return this.changes[Symbol.iterator]();
  }

  get size(): number {
    return this.changes.length;
  }
}

/** Sidebar items naming one target. */
export const itemsOf = (target: Target): SidebarItems =>
  target.kind === "channel" ? { channelIds: [target.id] } : { conversationIds: [target.id] };
