import { describe, expect, it } from "vitest";
import type { InitialHistory } from "./chat-store";
import { mergeKept } from "./offline-history";
import type { Message } from "./types";

/** A message with only what merging reads (sequence, revision) and a body to tell copies apart. */
const message = (sequence: number, revision = 1, body = `#${sequence}`) =>
  ({ id: `m${sequence}`, sequence, revision, body }) as unknown as Message;
const run = (from: number, to: number, revision = 1) =>
  Array.from({ length: to - from + 1 }, (_, i) => message(from + i, revision));

const page = (messages: Message[], ends: Partial<InitialHistory> = {}): InitialHistory => ({
  messages,
  hasOlder: (messages[0]?.sequence ?? 1) > 1,
  hasNewer: false,
  readAt: messages.at(-1)?.sequence ?? 0,
  anchor: null,
  highlight: null,
  ...ends,
});

const sequences = (history: InitialHistory) => history.messages.map((m) => m.sequence);

describe("mergeKept", () => {
  it("leaves a fresh page as it is: nothing kept is newer", () => {
    const history = page(run(1, 10));
    expect(mergeKept(history, run(3, 8))).toBe(history);
    expect(mergeKept(history, [])).toBe(history);
  });

  it("takes a higher revision of a message the page holds", () => {
    const history = page(run(1, 5));
    const merged = mergeKept(history, [message(3, 2, "edited")]);
    expect(sequences(merged)).toEqual([1, 2, 3, 4, 5]);
    expect(merged.messages[2]?.body).toBe("edited");
    // A lower revision never replaces the page's.
    expect(mergeKept(page([message(3, 4)]), [message(3, 2)]).messages[0]?.revision).toBe(4);
  });

  it("continues an older page with the kept messages after its newest", () => {
    const history = page(run(1, 10), { anchor: 8 });
    const merged = mergeKept(history, run(6, 14, 2));
    expect(sequences(merged)).toEqual(run(1, 14).map((m) => m.sequence));
    expect(merged.messages[6]?.revision).toBe(2);
    expect(merged.hasNewer).toBe(false);
    expect(merged.hasOlder).toBe(false);
    expect(merged.anchor).toBeNull();
  });

  it("shows the kept run alone when a gap lies between it and the page", () => {
    const merged = mergeKept(page(run(1, 10), { highlight: 4, anchor: 4 }), run(40, 60));
    expect(sequences(merged)).toEqual(run(40, 60).map((m) => m.sequence));
    expect(merged.hasOlder).toBe(true);
    expect(merged.hasNewer).toBe(false);
    expect(merged.anchor).toBeNull();
    expect(merged.highlight).toBeNull();
  });

  it("fills an empty page from what was kept", () => {
    const merged = mergeKept(page([]), run(1, 3));
    expect(sequences(merged)).toEqual([1, 2, 3]);
    expect(merged.hasOlder).toBe(false);
  });

  it("does not extend a window back in history: the page says newer messages exist", () => {
    const history = page(run(20, 30), { hasNewer: true, anchor: 25 });
    const merged = mergeKept(history, run(40, 50));
    expect(merged).toBe(history);
  });
});
