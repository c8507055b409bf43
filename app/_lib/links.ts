/**
 * The URLs of places in a workspace, as the pages define them: a channel or
 * conversation, a message's permalink (its sequence in that place), and a
 * thread (`?thread=<rootId>` on either).
 */
import { type TargetIds, targetOf } from "@/lib/target";

/** `/w/<workspace>/c/<channel>` or `/w/<workspace>/d/<conversation>`. */
export function placePath(workspaceId: string, ids: TargetIds): string {
  const target = targetOf(ids);
  return `/w/${workspaceId}/${target.kind === "channel" ? "c" : "d"}/${target.id}`;
}

/** A message's permalink; a reply's also opens its thread (its root is `parentId`). */
export function permalink(
  workspaceId: string,
  message: TargetIds & { sequence: number; parentId: string | null },
): string {
  const path = `${placePath(workspaceId, message)}/${message.sequence}`;
  return message.parentId ? `${path}?thread=${message.parentId}` : path;
}

/** The place of a thread's root, with the thread open. */
export function threadPath(workspaceId: string, root: TargetIds & { id: string }): string {
  return `${placePath(workspaceId, root)}?thread=${root.id}`;
}

/** The sign-in page, coming back to the page this tab shows once signed in. */
export function signInAgainPath(): string {
  return `/sign-in?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
}
