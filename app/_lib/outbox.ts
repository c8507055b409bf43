"use client";
/**
 * Messages on their way out. A send is written to localStorage before it is
 * attempted, so it survives a reload or a closed tab, and is retried with
 * the same clientMessageId until the server answers: the server stores a
 * clientMessageId once, so a retry after a lost response cannot double it.
 * Network failures wait and retry (at once when the browser is back
 * online); a refusal by the server (bad input, no access) marks the
 * message failed so the person can edit, retry or discard it. A message
 * with files names them by their local upload ids (app/_lib/uploads.ts);
 * sending it waits until they are stored.
 */
import { useSyncExternalStore } from "react";
import type { Target } from "@/lib/target";
import type { Message } from "./types";

export interface OutgoingMessage {
  clientMessageId: string;
  target: Target;
  body: string;
  parentId: string | null;
  /** A thread reply also shown in the channel. */
  alsoInChannel?: boolean;
  /** Its files, by local upload id, in order. */
  files?: OutgoingFile[];
  createdAt: string;
  state: "sending" | "waiting" | "failed";
  error?: string;
}

export interface OutgoingFile {
  localId: string;
  name: string;
}

type Send = (message: OutgoingMessage) => Promise<Message>;

/** The event that hands a message that was not sent back to its composer. */
export const DRAFT_BACK = "sequent:draft-back";
export interface DraftBack {
  target: Target;
  parentId: string | null;
  body: string;
  files: OutgoingFile[];
}

const RETRY_MS = [1000, 2000, 4000, 8000, 15000];

export class Outbox {
  private items: OutgoingMessage[];
  private readonly listeners = new Set<() => void>();
  private running = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly storageKey: string,
    private readonly send: Send,
    private readonly onSent: (message: Message, outgoing: OutgoingMessage) => void,
    private readonly onRefused: (outgoing: OutgoingMessage, reason: string) => void,
    /** A message given up (its uploads can go). */
    private readonly onDiscarded: (outgoing: OutgoingMessage) => void = () => {},
  ) {
    this.items = this.load().map((item) =>
      item.state === "sending" ? { ...item, state: "waiting" } : item,
    );
    if (typeof window !== "undefined") {
      window.addEventListener("online", this.retryNow);
      window.addEventListener("storage", this.onStorage);
    }
  }

  private load(): OutgoingMessage[] {
    try {
      const raw = window.localStorage.getItem(this.storageKey);
      return raw ? (JSON.parse(raw) as OutgoingMessage[]) : [];
    } catch {
      return [];
    }
  }

  private save() {
    try {
      window.localStorage.setItem(this.storageKey, JSON.stringify(this.items));
    } catch {
      // Storage full or blocked: the message still goes out from memory.
    }
    for (const listener of this.listeners) listener();
  }

  /** Another tab of the same person changed the outbox. */
  private onStorage = (event: StorageEvent) => {
    if (event.key !== this.storageKey) return;
    this.items = this.load();
    for (const listener of this.listeners) listener();
    this.pump();
  };

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getItems = () => this.items;

  enqueue(message: Omit<OutgoingMessage, "state" | "createdAt">) {
    this.items = [
      ...this.items,
      { ...message, createdAt: new Date().toISOString(), state: "waiting" },
    ];
    this.save();
    this.retryNow();
  }

  discard(clientMessageId: string) {
    const item = this.items.find((entry) => entry.clientMessageId === clientMessageId);
    this.items = this.items.filter((entry) => entry.clientMessageId !== clientMessageId);
    this.save();
    if (item) this.onDiscarded(item);
  }

  /**
   * Takes a message that was not sent back into its box to be changed: it
   * leaves the outbox, and its box (the composer of its place or thread) gets
   * the text.
   */
  edit(clientMessageId: string) {
    const item = this.items.find((entry) => entry.clientMessageId === clientMessageId);
    if (!item) return;
    // Its files go back to the box with the text, so they are not given up.
    this.items = this.items.filter((entry) => entry.clientMessageId !== clientMessageId);
    this.save();
    window.dispatchEvent(
      new CustomEvent<DraftBack>(DRAFT_BACK, {
        detail: {
          target: item.target,
          parentId: item.parentId,
          body: item.body,
          files: item.files ?? [],
        },
      }),
    );
  }

  retry(clientMessageId: string) {
    this.items = this.items.map((item) =>
      item.clientMessageId === clientMessageId
        ? { ...item, state: "waiting", error: undefined }
        : item,
    );
    this.save();
    this.retryNow();
  }

  retryNow = () => {
    this.attempt = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.wake) {
      const wake = this.wake;
      this.wake = undefined;
      wake();
    } else this.pump();
  };

  private update(clientMessageId: string, patch: Partial<OutgoingMessage>) {
    this.items = this.items.map((item) =>
      item.clientMessageId === clientMessageId ? { ...item, ...patch } : item,
    );
    this.save();
  }

  /** Sends waiting messages one at a time, oldest first, so they keep their order. */
  pump() {
    if (this.running) return;
    this.running = true;
    void (async () => {
      try {
        for (let next = this.nextWaiting(); next; next = this.nextWaiting()) {
          this.update(next.clientMessageId, { state: "sending" });
          try {
            const message = await this.send(next);
            this.attempt = 0;
            this.items = this.items.filter(
              (item) => item.clientMessageId !== next?.clientMessageId,
            );
            this.save();
            this.onSent(message, next);
          } catch (error) {
            const code = (error as { data?: { code?: string } })?.data?.code;
            // Not the message's fault: the network, a limit, or the server for a moment.
            const retryable =
              !code ||
              code === "TOO_MANY_REQUESTS" ||
              code === "INTERNAL_SERVER_ERROR" ||
              code === "SERVICE_UNAVAILABLE";
            if (!retryable) {
              const reason = (error as Error).message || "The server refused this message.";
              this.update(next.clientMessageId, { state: "failed", error: reason });
              this.onRefused(next, reason);
              continue;
            }
            this.update(next.clientMessageId, { state: "waiting" });
            const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)] as number;
            await new Promise<void>((resolve) => {
              this.wake = resolve;
              this.timer = setTimeout(() => {
                this.wake = undefined;
                resolve();
              }, delay);
            });
          }
        }
      } finally {
        this.running = false;
      }
    })();
  }

  private nextWaiting() {
    return this.items.find((item) => item.state === "waiting");
  }

  close() {
    clearTimeout(this.timer);
    if (typeof window !== "undefined") {
      window.removeEventListener("online", this.retryNow);
      window.removeEventListener("storage", this.onStorage);
    }
  }
}

export function useOutbox(outbox: Outbox): OutgoingMessage[] {
  return useSyncExternalStore(outbox.subscribe, outbox.getItems, () => [] as OutgoingMessage[]);
}
