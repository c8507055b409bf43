"use client";
/**
 * The text box messages are written and edited in: "@" suggests people (and
 * @channel, @here), ":" and two letters suggest emoji by shortcode, the Emoji
 * button opens the picker and inserts at the caret, the length is counted
 * against the 4,000-character limit (over it, the box says so and will not
 * send — the text stays), Enter submits, Shift+Enter breaks the line, Escape
 * cancels where that means something. On submit, a ":shortcode:" left in the
 * text becomes its emoji (not inside code). The composer and the edit box
 * share it.
 */
import {
  type KeyboardEvent,
  lazy,
  type RefObject,
  Suspense,
  useId,
  useMemo,
  useRef,
  useState,
} from "react";
import {
  type EmojiIndex,
  mayHoldShortcodes,
  replaceShortcodeAtCaret,
  replaceShortcodes,
  shortcodeAtCaret,
  suggestShortcodes,
  withSkinTone,
} from "@/app/_lib/emoji";
import { loadEmoji, loadedEmoji, useEmoji } from "@/app/_lib/emoji-data";
import { readSkinTone, rememberEmoji } from "@/app/_lib/emoji-prefs";
import { type ChosenMentions, encodeMentions } from "@/app/_lib/mention-text";
import { useMembers } from "./use-members";

// The picker's code loads when it is first opened, its data alongside.
const EmojiPicker = lazy(() => {
  loadEmoji().catch(() => {});
  return import("./emoji-picker").then((module) => ({ default: module.EmojiPicker }));
});

export const MAX_BODY = 4000;
const WARN_AT = 3500;

/** Characters as the server counts them: code points. */
const lengthOf = (text: string) => [...text].length;

interface Suggestion {
  key: string;
  /** What is inserted after "@". */
  name: string;
  label: string;
  userId?: string;
}

interface EmojiSuggestion {
  key: string;
  /** What replaces ":shortcode", in the chosen skin tone. */
  emoji: string;
  label: string;
}

/** The body with each known ":shortcode:" outside code as its emoji, in the chosen skin tone. */
function withEmoji(body: string, index: EmojiIndex): string {
  const tone = readSkinTone();
  return replaceShortcodes(body, (shortcode) => {
    const entry = index.byShortcode.get(shortcode);
    return entry && withSkinTone(entry, tone);
  });
}

function SmileyIcon() {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 16 16"
      className="h-5 w-5"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
    >
      <circle cx="8" cy="8" r="6.25" />
      <path d="M5.5 9.75c.6.9 1.5 1.4 2.5 1.4s1.9-.5 2.5-1.4" />
      <path d="M6 6.25v.5M10 6.25v.5" />
    </svg>
  );
}

export function MessageEditor({
  value,
  onChange,
  onSubmit,
  onCancel,
  onEmptyUp,
  chosen,
  label,
  placeholder,
  boxRef,
  submitRef,
  rows,
  className,
}: {
  value: string;
  onChange: (value: string) => void;
  /** Called with the body ready for the wire; not called while over the limit or empty. */
  onSubmit: (body: string) => void;
  onCancel?: () => void;
  /** ↑ in an empty box. */
  onEmptyUp?: () => void;
  chosen: RefObject<ChosenMentions>;
  label: string;
  placeholder?: string;
  boxRef: RefObject<HTMLTextAreaElement | null>;
  /** Set to this editor's submit, for a form's button to call. */
  submitRef?: RefObject<(() => void) | null>;
  rows?: number;
  className?: string;
}) {
  const id = useId();
  const { members } = useMembers();
  const [query, setQuery] = useState<string | null>(null);
  /** The shortcode being typed (":tad" → "tad"), when no mention is. */
  const [shortcode, setShortcode] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  // The emoji data loads once a shortcode is typed or the picker opens.
  const [wantEmoji, setWantEmoji] = useState(false);
  const { index: emoji } = useEmoji(wantEmoji);
  const [picking, setPicking] = useState(false);
  const emojiButton = useRef<HTMLButtonElement>(null);
  const submitting = useRef(false);
  const length = lengthOf(value.trim());
  const over = length - MAX_BODY;

  const suggestions = useMemo((): Suggestion[] => {
    if (query === null) return [];
    const needle = query.toLowerCase();
    const people = members
      .filter((member) => member.name.toLowerCase().includes(needle))
      .slice(0, 6)
      .map((member) => ({
        key: member.userId,
        name: member.name,
        label: member.name,
        userId: member.userId,
      }));
    const everyone = [
      { key: "channel", name: "channel", label: "@channel — notify everyone here" },
      { key: "here", name: "here", label: "@here — notify everyone online" },
    ].filter((option) => option.name.startsWith(needle));
    return [...people, ...everyone];
  }, [query, members]);

  const emojiSuggestions = useMemo((): EmojiSuggestion[] => {
    if (shortcode === null || !emoji) return [];
    const tone = readSkinTone();
    return suggestShortcodes(emoji, shortcode).map((hit) => {
      const chosen = withSkinTone(hit.entry, tone);
      return {
        key: `emoji-${hit.shortcode}`,
        emoji: chosen,
        label: `${chosen} :${hit.shortcode}:`,
      };
    });
  }, [shortcode, emoji]);

  // One list at a time: people while "@" is typed, else emoji.
  const mentioning = suggestions.length > 0;
  const options: { key: string; label: string }[] = mentioning ? suggestions : emojiSuggestions;

  const change = (text: string) => {
    onChange(text);
    const caret = boxRef.current?.selectionStart ?? text.length;
    const match = /(?:^|\s)@([^\s@]{0,30})$/.exec(text.slice(0, caret));
    setQuery(match ? (match[1] ?? "") : null);
    const typed = match ? null : shortcodeAtCaret(text.slice(0, caret));
    setShortcode(typed);
    if (typed !== null || mayHoldShortcodes(text)) setWantEmoji(true);
    setActive(0);
  };

  const pick = (index: number) => {
    const option = suggestions[index];
    const element = boxRef.current;
    if (!option || !element) return;
    const caret = element.selectionStart;
    const before = value.slice(0, caret).replace(/@[^\s@]{0,30}$/, `@${option.name} `);
    if (option.userId) chosen.current.set(option.name, option.userId);
    change(before + value.slice(caret));
    setQuery(null);
    requestAnimationFrame(() => element.setSelectionRange(before.length, before.length));
  };

  const pickEmoji = (index: number) => {
    const option = emojiSuggestions[index];
    const element = boxRef.current;
    if (!option || !element) return;
    const caret = element.selectionStart;
    const before = replaceShortcodeAtCaret(value.slice(0, caret), `${option.emoji} `);
    rememberEmoji(option.emoji);
    change(before + value.slice(caret));
    setShortcode(null);
    requestAnimationFrame(() => element.setSelectionRange(before.length, before.length));
  };

  const pickOption = (index: number) => (mentioning ? pick(index) : pickEmoji(index));

  const closeSuggestions = () => {
    setQuery(null);
    setShortcode(null);
  };

  /** The picker's emoji goes in at the caret (over a selection), and the caret after it. */
  const insertEmoji = (picked: string) => {
    const element = boxRef.current;
    const start = element?.selectionStart ?? value.length;
    const end = element?.selectionEnd ?? start;
    const caret = start + picked.length;
    onChange(value.slice(0, start) + picked + value.slice(end));
    closeSuggestions();
    setPicking(false);
    element?.focus();
    requestAnimationFrame(() => element?.setSelectionRange(caret, caret));
  };

  const submit = () => {
    const text = value.trim();
    if (!text || over > 0 || submitting.current) return;
    const wire = encodeMentions(text, chosen.current);
    if (!mayHoldShortcodes(wire)) return onSubmit(wire);
    const loaded = loadedEmoji();
    if (loaded) return onSubmit(withEmoji(wire, loaded));
    // Only when shortcodes were pasted and sent at once: send when the data is here.
    submitting.current = true;
    loadEmoji()
      .then(
        (index) => onSubmit(withEmoji(wire, index)),
        () => onSubmit(wire),
      )
      .finally(() => {
        submitting.current = false;
      });
  };
  if (submitRef) submitRef.current = submit;

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (options.length > 0) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : options.length - 1;
        setActive((index) => (index + step) % options.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pickOption(active);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        closeSuggestions();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && onCancel) {
      event.preventDefault();
      onCancel();
    } else if (event.key === "ArrowUp" && value === "" && onEmptyUp) {
      event.preventDefault();
      onEmptyUp();
    }
  };

  const listId = `${id}-suggestions`;
  const optionId = (option: { key: string }) => `${id}-option-${option.key}`;
  return (
    <div className="relative flex min-w-0 flex-1 flex-col">
      {options.length > 0 ? (
        <div
          id={listId}
          role="listbox"
          aria-label={mentioning ? "People to mention" : "Emoji"}
          className="absolute bottom-full left-0 z-20 mb-2 w-72 rounded-md border border-border bg-bg p-1 shadow-lg"
        >
          {options.map((option, index) => (
            <div
              key={option.key}
              id={optionId(option)}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                pickOption(index);
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter") pickOption(index);
              }}
              className={`cursor-pointer rounded px-2 py-1 text-sm ${index === active ? "bg-accent text-accent-fg" : ""}`}
            >
              {option.label}
            </div>
          ))}
        </div>
      ) : null}
      <div className="flex items-end gap-1">
        <textarea
          ref={boxRef}
          aria-label={label}
          placeholder={placeholder}
          value={value}
          dir="auto"
          rows={rows ?? Math.min(8, Math.max(1, value.split("\n").length))}
          aria-autocomplete="list"
          aria-controls={options.length > 0 ? listId : undefined}
          aria-activedescendant={options[active] ? optionId(options[active]) : undefined}
          aria-invalid={over > 0 ? true : undefined}
          aria-describedby={length >= WARN_AT ? `${id}-count` : undefined}
          onChange={(event) => change(event.target.value)}
          onKeyDown={onKeyDown}
          className={
            className ??
            "max-h-48 min-h-6 w-full min-w-0 flex-1 resize-none bg-transparent outline-none"
          }
        />
        <button
          ref={emojiButton}
          type="button"
          aria-label="Emoji"
          title="Emoji"
          aria-haspopup="dialog"
          aria-expanded={picking}
          onClick={() => setPicking((open) => !open)}
          className="shrink-0 rounded p-0.5 text-muted hover:bg-hover hover:text-fg"
        >
          <SmileyIcon />
        </button>
      </div>
      {picking ? (
        <Suspense fallback={null}>
          <EmojiPicker
            label="Insert emoji"
            purpose="text"
            anchor={emojiButton}
            onPick={insertEmoji}
            onClose={() => setPicking(false)}
          />
        </Suspense>
      ) : null}
      {length >= WARN_AT ? (
        <p
          id={`${id}-count`}
          aria-live="polite"
          className={`mt-1 text-xs ${over > 0 ? "font-semibold text-danger" : "text-muted"}`}
        >
          {over > 0
            ? `${over.toLocaleString()} ${over === 1 ? "character" : "characters"} over the 4,000 limit — shorten it to send. Your text is kept.`
            : `${(MAX_BODY - length).toLocaleString()} characters left`}
        </p>
      ) : null}
    </div>
  );
}

export const isOverLimit = (text: string) => lengthOf(text.trim()) > MAX_BODY;
