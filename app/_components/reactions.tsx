"use client";
/** A message's reactions: the row of emoji with counts, and the picker to add one. */
import type { Message } from "@/app/_lib/types";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "👀", "✅"];

export function ReactionBar({
  message,
  meId,
  writable,
  resolveName,
  onToggle,
}: {
  message: Message;
  meId: string;
  writable: boolean;
  resolveName: (userId: string) => string | undefined;
  onToggle: (emoji: string, reacted: boolean) => void;
}) {
  if (message.reactions.length === 0 || message.deletedAt) return null;
  return (
    <ul aria-label="Reactions" className="mt-1 flex flex-wrap gap-1">
      {message.reactions.map((reaction) => {
        const reacted = reaction.userIds.includes(meId);
        const who = reaction.userIds
          .map((id) => (id === meId ? "you" : (resolveName(id) ?? "someone")))
          .join(", ");
        return (
          <li key={reaction.emoji}>
            <button
              type="button"
              aria-pressed={reacted}
              disabled={!writable}
              title={`${who} reacted with ${reaction.emoji}`}
              aria-label={`${reaction.emoji} ${reaction.count} ${reaction.count === 1 ? "reaction" : "reactions"}: ${who}`}
              onClick={() => onToggle(reaction.emoji, reacted)}
              className={`rounded-full border px-2 text-sm ${reacted ? "border-accent bg-accent/10" : "border-border"}`}
            >
              {reaction.emoji} {reaction.count}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function ReactionPicker({
  message,
  meId,
  onToggle,
}: {
  message: Message;
  meId: string;
  onToggle: (emoji: string, reacted: boolean) => void;
}) {
  return (
    <fieldset className="absolute top-8 right-0 z-10 flex gap-1 rounded-md border border-border bg-bg p-1 shadow">
      <legend className="sr-only">Choose a reaction</legend>
      {QUICK_REACTIONS.map((emoji) => {
        const reacted = message.reactions.some(
          (r) => r.emoji === emoji && r.userIds.includes(meId),
        );
        return (
          <button
            key={emoji}
            type="button"
            aria-label={`React with ${emoji}`}
            aria-pressed={reacted}
            className="rounded px-1.5 py-0.5 text-lg hover:bg-hover"
            onClick={() => onToggle(emoji, reacted)}
          >
            {emoji}
          </button>
        );
      })}
    </fieldset>
  );
}
