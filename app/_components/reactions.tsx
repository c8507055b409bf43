"use client";
/**
 * A message's reactions: the row of emoji with counts (who reacted shows on
 * hover and on keyboard focus), and the picker to add one — six quick
 * reactions and "More reactions", the full emoji picker.
 */
import {
  type KeyboardEvent,
  lazy,
  Suspense,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { QUICK_REACTIONS } from "@/app/_lib/emoji";
import { loadEmoji } from "@/app/_lib/emoji-data";
import { rememberEmoji } from "@/app/_lib/emoji-prefs";
import type { Message } from "@/app/_lib/types";

// The full picker's code loads when it is first opened, its data alongside.
const EmojiPicker = lazy(() => {
  loadEmoji().catch(() => {});
  return import("./emoji-picker").then((module) => ({ default: module.EmojiPicker }));
});

/**
 * Gives focus back to `opener`: a button in a message's toolbar, which shows
 * only while focus is within the message, so is hidden while focus is in the
 * full picker (rendered elsewhere); the message takes focus first, which
 * shows the toolbar again.
 */
function refocus(opener: HTMLElement | null) {
  if (!opener?.isConnected) return;
  opener.focus({ preventScroll: true });
  if (document.activeElement === opener) return;
  opener.closest<HTMLElement>("article")?.focus({ preventScroll: true });
  opener.focus({ preventScroll: true });
}

const listFormat = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

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
        const who = listFormat.format(
          reaction.userIds.map((id) => (id === meId ? "you" : (resolveName(id) ?? "someone"))),
        );
        return (
          <ReactionChip
            key={reaction.emoji}
            emoji={reaction.emoji}
            count={reaction.count}
            reacted={reacted}
            who={`${who.charAt(0).toUpperCase()}${who.slice(1)} reacted with ${reaction.emoji}`}
            writable={writable}
            onToggle={onToggle}
          />
        );
      })}
    </ul>
  );
}

/**
 * One reaction. Who reacted is its description: a tooltip shown while the
 * pointer is over it or it has keyboard focus, which Escape hides. Where
 * reacting is not allowed it stays focusable, so the names can still be read.
 */
function ReactionChip({
  emoji,
  count,
  reacted,
  who,
  writable,
  onToggle,
}: {
  emoji: string;
  count: number;
  reacted: boolean;
  who: string;
  writable: boolean;
  onToggle: (emoji: string, reacted: boolean) => void;
}) {
  const tipId = useId();
  const [dismissed, setDismissed] = useState(false);
  return (
    <li className="group relative" onMouseLeave={() => setDismissed(false)}>
      <button
        type="button"
        aria-pressed={reacted}
        aria-disabled={writable ? undefined : true}
        aria-label={`${emoji} ${count} ${count === 1 ? "reaction" : "reactions"}${reacted ? ", including yours" : ""}`}
        aria-describedby={tipId}
        onClick={() => {
          if (writable) onToggle(emoji, reacted);
        }}
        onKeyDown={(event) => {
          if (event.key === "Escape" && !dismissed) {
            event.stopPropagation();
            setDismissed(true);
          }
        }}
        onBlur={() => setDismissed(false)}
        className={`peer rounded-full border px-2 text-sm ${reacted ? "border-accent bg-accent/10" : "border-border"} ${writable ? "" : "cursor-default opacity-70"}`}
      >
        {emoji} {count}
      </button>
      <span
        role="tooltip"
        id={tipId}
        className={`absolute bottom-full left-0 z-20 mb-1 w-max max-w-64 rounded bg-fg px-2 py-1 text-xs text-bg shadow ${dismissed ? "hidden" : "hidden group-hover:block peer-focus-visible:block"}`}
      >
        {who}
      </span>
    </li>
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
  const root = useRef<HTMLFieldSetElement>(null);
  const more = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const [full, setFull] = useState(false);
  const reactedWith = (emoji: string) =>
    message.reactions.some((r) => r.emoji === emoji && r.userIds.includes(meId));
  const react = (emoji: string) => {
    rememberEmoji(emoji);
    onToggle(emoji, reactedWith(emoji));
  };

  // Focus moves into the picker when it opens; when choosing closes it, focus
  // goes back to what opened it instead of falling to the page. A layout
  // effect, so it runs while the picker is still there: once it is gone the
  // message's toolbar (shown while focus is within) hides, opener and all.
  useLayoutEffect(() => {
    const fieldset = root.current;
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    fieldset?.querySelector("button")?.focus();
    return () => {
      const focused = document.activeElement;
      const lost = !focused || focused === document.body || fieldset?.contains(focused);
      if (lost) refocus(opener.current);
    };
  }, []);

  return (
    <fieldset
      ref={root}
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === "Escape" && opener.current?.isConnected) {
          event.preventDefault();
          refocus(opener.current);
        }
      }}
      className="absolute top-8 right-0 z-10 flex gap-1 rounded-md border border-border bg-bg p-1 shadow"
    >
      <legend className="sr-only">Choose a reaction</legend>
      {QUICK_REACTIONS.map((emoji) => (
        <button
          key={emoji}
          type="button"
          aria-label={`React with ${emoji}`}
          aria-pressed={reactedWith(emoji)}
          className="rounded px-1.5 py-0.5 text-lg hover:bg-hover"
          onClick={() => react(emoji)}
        >
          {emoji}
        </button>
      ))}
      <button
        ref={more}
        type="button"
        aria-label="More reactions"
        title="More reactions"
        aria-haspopup="dialog"
        aria-expanded={full}
        className="rounded px-1.5 py-0.5 text-lg text-muted hover:bg-hover"
        onClick={() => setFull((open) => !open)}
      >
        +
      </button>
      {full ? (
        <Suspense fallback={null}>
          <EmojiPicker
            label="Add reaction"
            purpose="reaction"
            anchor={more}
            returnFocus={() => refocus(more.current)}
            onPick={(emoji) => {
              // The full picker has focus and is not inside this one: give it back first.
              refocus(opener.current);
              setFull(false);
              onToggle(emoji, reactedWith(emoji));
            }}
            onClose={() => setFull(false)}
          />
        </Suspense>
      ) : null}
    </fieldset>
  );
}
