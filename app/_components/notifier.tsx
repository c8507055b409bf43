"use client";
/**
 * Being told while looking elsewhere. What needs attention is counted from
 * the sidebar's exact counts, as each place's notification level says: every
 * unread message of places set to "all", mentions elsewhere, direct messages
 * (they default to "all"), and replies in followed threads; muted places never
 * count. While the tab is hidden the count goes into the title and a badge on
 * the favicon, and — once the person turned them on, with a click, never on
 * load — a desktop notification (and an optional sound) says what came.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { brandColor, icons } from "@/app/_lib/brand";
import { type ChatState, useChat } from "@/app/_lib/chat-store";
import { conversationTitle } from "@/app/_lib/types";
import { sameTarget, type Target } from "@/lib/target";
import { useWorkspace } from "./workspace-context";

const SOUND_KEY = "sequent:notification-sound";

interface Attention {
  /** Everything that asks for attention. */
  total: number;
  /** The same, leaving out the open channel or conversation (for the phone's ☰ badge). */
  elsewhere: number;
  /** Per place and for threads, what asks for attention: a rise means something new came. */
  items: Map<
    string,
    { count: number; title: string; kind: "dm" | "mention" | "message" | "thread" }
  >;
}

function attentionOf(
  state: Pick<ChatState, "channels" | "conversations" | "threads">,
  open: Target | undefined,
  meId: string,
): Attention {
  const items: Attention["items"] = new Map();
  for (const channel of state.channels) {
    if (!channel.isMember || channel.muted || channel.notify === "none") continue;
    const count = channel.notify === "all" ? channel.unreadCount : channel.mentionCount;
    if (count > 0)
      items.set(`channel:${channel.id}`, {
        count,
        title: `#${channel.name}`,
        kind: channel.mentionCount > 0 ? "mention" : "message",
      });
  }
  for (const conversation of state.conversations) {
    if (conversation.muted || conversation.notify === "none") continue;
    const count =
      conversation.notify === "all" ? conversation.unreadCount : conversation.mentionCount;
    if (count > 0)
      items.set(`conversation:${conversation.id}`, {
        count,
        title: conversationTitle(conversation, meId),
        kind: "dm",
      });
  }
  if (state.threads.unreadReplies > 0)
    items.set("threads", {
      count: state.threads.unreadReplies,
      title: "threads you follow",
      kind: "thread",
    });
  let total = 0;
  let elsewhere = 0;
  for (const [key, item] of items) {
    total += item.count;
    const [kind, id] = key.split(":");
    if (!open || !(kind && id && sameTarget(open, { kind: kind as "channel", id })))
      elsewhere += item.count;
  }
  return { total, elsewhere, items };
}

/** What asks for attention now (for badges). */
export function useAttention() {
  const { store, me } = useWorkspace();
  const channels = useChat(store, (state) => state.channels);
  const conversations = useChat(store, (state) => state.conversations);
  const threads = useChat(store, (state) => state.threads);
  const timeline = useChat(store, (state) => state.timeline);
  const open = timeline?.target;
  return useMemo(
    () => attentionOf({ channels, conversations, threads }, open, me.id),
    [channels, conversations, threads, open, me.id],
  );
}

/** The app's icon, loaded once so that the badge can be drawn on it at once when needed. */
let appIcon: HTMLImageElement | undefined;
function loadAppIcon(): HTMLImageElement {
  if (!appIcon) {
    appIcon = new Image();
    appIcon.src = icons.svg;
  }
  return appIcon;
}

function favicon(count: number): string {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  const context = canvas.getContext("2d");
  if (!context) return "";
  const icon = loadAppIcon();
  if (icon.complete && icon.naturalWidth > 0) context.drawImage(icon, 0, 0, 64, 64);
  else {
    // Not loaded (yet): its tile alone.
    context.fillStyle = brandColor;
    context.beginPath();
    context.roundRect(0, 0, 64, 64, 14);
    context.fill();
  }
  context.textAlign = "center";
  context.textBaseline = "middle";
  if (count > 0) {
    context.fillStyle = "#dc2626";
    context.beginPath();
    context.arc(46, 18, 17, 0, Math.PI * 2);
    context.fill();
    context.fillStyle = "#ffffff";
    context.font = "bold 22px system-ui, sans-serif";
    context.fillText(count > 99 ? "99" : String(count), 46, 19);
  }
  return canvas.toDataURL("image/png");
}

function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  } catch {
    // No audio here; the title and badge still say it.
  }
}

const sentenceFor = (item: { kind: string; title: string; count: number }) =>
  item.kind === "dm"
    ? `New message from ${item.title}`
    : item.kind === "mention"
      ? `You were mentioned in ${item.title}`
      : item.kind === "thread"
        ? "New reply in a thread you follow"
        : `New message in ${item.title}`;

/** Title, favicon and desktop notifications for the tab; renders nothing. */
export function Notifier() {
  const attention = useAttention();
  const { workspace } = useWorkspace();
  const [hidden, setHidden] = useState(false);
  const previous = useRef<Attention["items"]>(new Map());
  const baseTitle = useRef<string | null>(null);

  useEffect(() => {
    loadAppIcon();
    const update = () => setHidden(document.visibilityState === "hidden");
    update();
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);

  // The title and the favicon carry the count while the tab is hidden.
  useEffect(() => {
    const strip = (title: string) => title.replace(/^\(\d+\+?\) /, "");
    baseTitle.current = strip(document.title);
    const count = hidden ? attention.total : 0;
    document.title = count > 0 ? `(${count}) ${baseTitle.current}` : baseTitle.current;
    let link = document.querySelector<HTMLLinkElement>("link[rel='icon'][data-badge]");
    if (count > 0) {
      if (!link) {
        link = document.createElement("link");
        link.rel = "icon";
        link.dataset.badge = "true";
        document.head.append(link);
      }
      link.href = favicon(count);
    } else link?.remove();
  }, [hidden, attention.total]);

  // Something new while hidden: a desktop notification, if turned on.
  useEffect(() => {
    const before = previous.current;
    previous.current = attention.items;
    if (!hidden || typeof Notification === "undefined" || Notification.permission !== "granted")
      return;
    for (const [key, item] of attention.items) {
      if (item.count <= (before.get(key)?.count ?? 0)) continue;
      const notification = new Notification(sentenceFor(item), {
        body: `${item.count} unread in ${workspace.name}`,
        tag: `${workspace.id}:${key}`,
      });
      notification.onclick = () => window.focus();
      if (window.localStorage.getItem(SOUND_KEY) === "on") beep();
    }
  }, [attention.items, hidden, workspace]);

  return null;
}

/** The switch for desktop notifications (asks the browser on this click) and their sound. */
export function NotificationSettings() {
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">("default");
  const [sound, setSound] = useState(false);
  useEffect(() => {
    setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
    setSound(window.localStorage.getItem(SOUND_KEY) === "on");
  }, []);
  if (permission === "unsupported") return null;
  return (
    <div className="flex flex-col gap-1 text-xs">
      {permission === "granted" ? (
        <span className="muted">Desktop notifications are on.</span>
      ) : permission === "denied" ? (
        <span className="muted">Desktop notifications are blocked in this browser's settings.</span>
      ) : (
        <button
          type="button"
          className="self-start underline"
          onClick={() => void Notification.requestPermission().then(setPermission)}
        >
          Turn on desktop notifications
        </button>
      )}
      <label className="flex items-center gap-1">
        <input
          type="checkbox"
          checked={sound}
          onChange={(event) => {
            setSound(event.target.checked);
            window.localStorage.setItem(SOUND_KEY, event.target.checked ? "on" : "off");
            if (event.target.checked) beep();
          }}
        />
        Play a sound
      </label>
    </div>
  );
}
