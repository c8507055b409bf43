"use client";
import { useEffect, useMemo, useRef, useState } from "react";
/**
 * The message box: Enter sends, Shift+Enter breaks the line, Up on an empty
 * box edits your last message, "@" suggests people. The draft is kept per
 * channel across reloads; sends go through the outbox, so they show at once
 * as pending and are retried with the same clientMessageId until stored.
 */
import { useTRPCClient } from "@/app/_lib/trpc";
import { type Target, targetInput, targetKey } from "@/lib/target";
import { useMembers } from "./use-members";
import { useWorkspace } from "./workspace-context";

const TYPING_EVERY_MS = 3000;

/** "@Ada Lovelace" as typed becomes the mention token "<@id>" on the wire. */
function encodeMentions(body: string, chosen: Map<string, string>) {
  let encoded = body;
  for (const [name, id] of [...chosen].sort((a, b) => b[0].length - a[0].length)) {
    encoded = encoded.split(`@${name}`).join(`<@${id}>`);
  }
  return encoded;
}

export function Composer({
  target,
  placeholder,
  onEditLast,
}: {
  target: Target;
  placeholder: string;
  onEditLast: () => void;
}) {
  const { outbox, me } = useWorkspace();
  const client = useTRPCClient();
  const { members } = useMembers();
  const draftKey = `sequent:draft:${me.id}:${targetKey(target)}`;
  const [body, setBody] = useState("");
  const [mentionQuery, setMentionQuery] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const chosen = useRef(new Map<string, string>());
  const lastTyping = useRef(0);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setBody(window.localStorage.getItem(draftKey) ?? "");
    chosen.current = new Map();
  }, [draftKey]);

  const update = (value: string) => {
    setBody(value);
    if (value) window.localStorage.setItem(draftKey, value);
    else window.localStorage.removeItem(draftKey);
    const caret = box.current?.selectionStart ?? value.length;
    const match = /(?:^|\s)@([^\s@]{0,30})$/.exec(value.slice(0, caret));
    setMentionQuery(match ? (match[1] ?? "") : null);
    setActive(0);
    const now = Date.now();
    if (value.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      client.channel.typing.mutate(targetInput(target)).catch(() => {});
    }
  };

  const suggestions = useMemo(() => {
    if (mentionQuery === null) return [];
    const needle = mentionQuery.toLowerCase();
    return members.filter((member) => member.name.toLowerCase().includes(needle)).slice(0, 6);
  }, [mentionQuery, members]);

  const pickMention = (index: number) => {
    const member = suggestions[index];
    const element = box.current;
    if (!member || !element) return;
    const caret = element.selectionStart;
    const before = body.slice(0, caret).replace(/@[^\s@]{0,30}$/, `@${member.name} `);
    chosen.current.set(member.name, member.userId);
    update(before + body.slice(caret));
    setMentionQuery(null);
    requestAnimationFrame(() => element.setSelectionRange(before.length, before.length));
  };

  const send = () => {
    const text = body.trim();
    if (!text) return;
    outbox.enqueue({
      clientMessageId: crypto.randomUUID(),
      target,
      body: encodeMentions(text, chosen.current),
      parentId: null,
    });
    chosen.current = new Map();
    update("");
    lastTyping.current = 0;
  };

  return (
    <form
      className="relative border-t border-border p-3"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {suggestions.length > 0 ? (
        <div
          id="mention-suggestions"
          role="listbox"
          aria-label="People to mention"
          className="absolute bottom-full left-3 mb-1 w-64 rounded-md border border-border bg-bg p-1 shadow-lg"
        >
          {suggestions.map((member, index) => (
            <div
              key={member.userId}
              id={`mention-${member.userId}`}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                pickMention(index);
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter") pickMention(index);
              }}
              className={`cursor-pointer rounded px-2 py-1 text-sm ${index === active ? "bg-accent text-accent-fg" : ""}`}
            >
              {member.name}
            </div>
          ))}
        </div>
      ) : null}
      <div className="flex items-end gap-2 rounded-lg border border-border bg-bg p-2 focus-within:border-accent">
        <textarea
          ref={box}
          aria-label={placeholder}
          placeholder={placeholder}
          value={body}
          rows={Math.min(8, Math.max(1, body.split("\n").length))}
          aria-autocomplete="list"
          aria-controls={suggestions.length > 0 ? "mention-suggestions" : undefined}
          aria-activedescendant={
            suggestions[active] ? `mention-${suggestions[active].userId}` : undefined
          }
          onChange={(event) => update(event.target.value)}
          onKeyDown={(event) => {
            if (suggestions.length > 0) {
              if (event.key === "ArrowDown" || event.key === "ArrowUp") {
                event.preventDefault();
                setActive(
                  (index) =>
                    (index + (event.key === "ArrowDown" ? 1 : suggestions.length - 1)) %
                    suggestions.length,
                );
                return;
              }
              if (event.key === "Enter" || event.key === "Tab") {
                event.preventDefault();
                pickMention(active);
                return;
              }
              if (event.key === "Escape") {
                setMentionQuery(null);
                return;
              }
            }
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              send();
            } else if (event.key === "ArrowUp" && body === "") {
              event.preventDefault();
              onEditLast();
            }
          }}
          className="max-h-48 min-h-6 flex-1 resize-none bg-transparent outline-none"
        />
        <button
          type="submit"
          disabled={!body.trim()}
          className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg disabled:opacity-50"
        >
          Send
        </button>
      </div>
      <p className="mt-1 hidden text-xs text-muted sm:block">
        <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · <kbd>↑</kbd>{" "}
        to edit your last message
      </p>
    </form>
  );
}
