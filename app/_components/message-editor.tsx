"use client";
/**
 * The text box messages are written and edited in: "@" suggests people (and
 * @channel, @here), the length is counted against the 4,000-character limit
 * (over it, the box says so and will not send — the text stays), Enter
 * submits, Shift+Enter breaks the line, Escape cancels where that means
 * something. The composer and the edit box share it.
 */
import { type KeyboardEvent, type RefObject, useId, useMemo, useState } from "react";
import { type ChosenMentions, encodeMentions } from "@/app/_lib/mention-text";
import { useMembers } from "./use-members";

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
  const [active, setActive] = useState(0);
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

  const change = (text: string) => {
    onChange(text);
    const caret = boxRef.current?.selectionStart ?? text.length;
    const match = /(?:^|\s)@([^\s@]{0,30})$/.exec(text.slice(0, caret));
    setQuery(match ? (match[1] ?? "") : null);
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

  const submit = () => {
    const text = value.trim();
    if (!text || over > 0) return;
    onSubmit(encodeMentions(text, chosen.current));
  };
  if (submitRef) submitRef.current = submit;

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length > 0) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : suggestions.length - 1;
        setActive((index) => (index + step) % suggestions.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(active);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setQuery(null);
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
  const optionId = (option: Suggestion) => `${id}-option-${option.key}`;
  return (
    <div className="relative flex min-w-0 flex-1 flex-col">
      {suggestions.length > 0 ? (
        <div
          id={listId}
          role="listbox"
          aria-label="People to mention"
          className="absolute bottom-full left-0 z-20 mb-2 w-72 rounded-md border border-border bg-bg p-1 shadow-lg"
        >
          {suggestions.map((option, index) => (
            <div
              key={option.key}
              id={optionId(option)}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                pick(index);
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter") pick(index);
              }}
              className={`cursor-pointer rounded px-2 py-1 text-sm ${index === active ? "bg-accent text-accent-fg" : ""}`}
            >
              {option.label}
            </div>
          ))}
        </div>
      ) : null}
      <textarea
        ref={boxRef}
        aria-label={label}
        placeholder={placeholder}
        value={value}
        dir="auto"
        rows={rows ?? Math.min(8, Math.max(1, value.split("\n").length))}
        aria-autocomplete="list"
        aria-controls={suggestions.length > 0 ? listId : undefined}
        aria-activedescendant={
          suggestions[active] ? optionId(suggestions[active] as Suggestion) : undefined
        }
        aria-invalid={over > 0 ? true : undefined}
        aria-describedby={length >= WARN_AT ? `${id}-count` : undefined}
        onChange={(event) => change(event.target.value)}
        onKeyDown={onKeyDown}
        className={className ?? "max-h-48 min-h-6 w-full resize-none bg-transparent outline-none"}
      />
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
