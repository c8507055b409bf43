/** Notification levels as people see them: a level chosen, or the default for the kind of place. */
import type { TargetKind } from "@/lib/target";

export type NotifyLevel = "all" | "mentions" | "none";

/**
 * In a channel people are told about mentions (and replies in threads they
 * follow) unless they ask for every message; in a conversation, every message.
 */
export const defaultNotifyLevel = (kind: TargetKind): NotifyLevel =>
  kind === "channel" ? "mentions" : "all";

export const notifyLevelOf = (kind: TargetKind, chosen: NotifyLevel | null): NotifyLevel =>
  chosen ?? defaultNotifyLevel(kind);
