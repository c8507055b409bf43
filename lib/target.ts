/**
 * Where a message lives: exactly one channel or one conversation. The schema
 * keeps two columns (each with its own unique (…, sequence) index and a CHECK
 * that exactly one is set); code handles the pair as one `Target` value,
 * converted here and nowhere else. Shared by the browser and the server;
 * which tables and columns a target maps to is db/targets.ts.
 */

export type TargetKind = "channel" | "conversation";

export type Target = { kind: "channel"; id: string } | { kind: "conversation"; id: string };

/** A target as API inputs name it: one of the two ids. */
export type TargetInput = { channelId: string } | { conversationId: string };

/** A row's (or an input's) two target columns, exactly one of them set. */
export interface TargetIds {
  channelId?: string | null;
  conversationId?: string | null;
}

export const targetKey = (target: Target): string => `${target.kind}:${target.id}`;

/** The target a row or an input names; throws when it names none. */
export function targetOf(ids: TargetIds): Target {
  if (ids.channelId) return { kind: "channel", id: ids.channelId };
  if (ids.conversationId) return { kind: "conversation", id: ids.conversationId };
  throw new Error("neither channelId nor conversationId is set");
}

/** `{ channelId }` or `{ conversationId }`, as API inputs take it. */
export function targetInput(target: Target): TargetInput {
  return target.kind === "channel" ? { channelId: target.id } : { conversationId: target.id };
}

/** Both columns, one of them null, as rows and events carry them. */
export function targetColumns(target: Target): {
  channelId: string | null;
  conversationId: string | null;
} {
  return target.kind === "channel"
    ? { channelId: target.id, conversationId: null }
    : { channelId: null, conversationId: target.id };
}

export const sameTarget = (a: Target | null | undefined, b: Target | null | undefined) =>
  Boolean(a && b && a.kind === b.kind && a.id === b.id);

/** Whether a row or event belongs to `target`. */
export const isIn = (ids: TargetIds, target: Target) =>
  target.kind === "channel" ? ids.channelId === target.id : ids.conversationId === target.id;
