"use client";
/** Ctrl/Cmd+K: jump to any channel or conversation by typing part of its name. */
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { useChat } from "@/app/_lib/chat-store";
import { placePath } from "@/app/_lib/links";
import { conversationTitle } from "@/app/_lib/types";
import { focusComposerOnOpen } from "./composer";
import { Dialog } from "./dialog";
import { useWorkspace } from "./workspace-context";

export function QuickSwitcher() {
  const { store, workspace, me } = useWorkspace();
  const channels = useChat(store, (state) => state.channels);
  const conversations = useChat(store, (state) => state.conversations);
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const options = useMemo(() => {
    const all = [
      ...channels
        .filter((channel) => channel.isMember || !channel.isPrivate)
        .map((channel) => ({
          id: channel.id,
          label: `#${channel.name}`,
          href: placePath(workspace.id, { channelId: channel.id }),
        })),
      ...conversations.map((conversation) => ({
        id: conversation.id,
        label: conversationTitle(conversation, me.id),
        href: placePath(workspace.id, { conversationId: conversation.id }),
      })),
    ];
    const needle = query.trim().toLowerCase().replace(/^#/, "");
    return needle ? all.filter((option) => option.label.toLowerCase().includes(needle)) : all;
  }, [channels, conversations, query, workspace.id, me.id]);

  const close = () => {
    setOpen(false);
    setQuery("");
    setActive(0);
  };
  const go = (index: number) => {
    const option = options[index];
    if (!option) return;
    close();
    focusComposerOnOpen();
    router.push(option.href);
  };

  return (
    <Dialog open={open} onClose={close} title="Jump to a channel or conversation">
      <input
        role="combobox"
        aria-label="Jump to"
        aria-expanded="true"
        aria-controls="quick-switcher-options"
        aria-activedescendant={options[active] ? `quick-${options[active].id}` : undefined}
        value={query}
        autoFocus
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown") {
            event.preventDefault();
            setActive((index) => Math.min(index + 1, options.length - 1));
          } else if (event.key === "ArrowUp") {
            event.preventDefault();
            setActive((index) => Math.max(index - 1, 0));
          } else if (event.key === "Enter") {
            event.preventDefault();
            go(active);
          }
        }}
        placeholder="Type a channel or person"
        className="rounded-md border border-border bg-bg px-3 py-2"
      />
      <div
        id="quick-switcher-options"
        role="listbox"
        aria-label="Matches"
        className="max-h-72 overflow-y-auto"
      >
        {options.map((option, index) => (
          <div
            key={option.id}
            id={`quick-${option.id}`}
            role="option"
            tabIndex={-1}
            aria-selected={index === active}
            onClick={() => go(index)}
            onKeyDown={(event) => {
              if (event.key === "Enter") go(index);
            }}
            onMouseEnter={() => setActive(index)}
            className={`cursor-pointer rounded px-3 py-1.5 text-sm ${index === active ? "bg-accent text-accent-fg" : ""}`}
          >
            {option.label}
          </div>
        ))}
        {options.length === 0 ? <p className="px-3 py-1.5 text-sm text-muted">No matches</p> : null}
      </div>
    </Dialog>
  );
}
