"use client";
/**
 * The full emoji picker: a non-modal dialog beside the button that opened it,
 * with a search box (names, shortcodes, keywords), the skin tone (kept in
 * this browser), "Recently used" and Unicode's categories, each a grid.
 *
 * Keyboard: focus starts in the search box and Enter there picks the first
 * emoji shown; ↓ goes into the grids, where the arrow keys move (one Tab stop
 * that roves), Home/End go to a row's ends, Enter or Space picks, and typing
 * goes back to the search. Escape, or Tab past either end, closes it and
 * gives focus back to the opener; a click elsewhere closes it too.
 *
 * It is rendered into <body> and shown in the top layer, so no scrolling
 * list clips it. Not inside the opener's container on purpose: Chromium does
 * not count focus in the top layer as :focus-within of the element's DOM
 * ancestors, so a picker inside a message's toolbar (shown while focus is
 * within the message) would hide itself, and lose focus, as it took focus.
 *
 * Neither this code nor the data is part of a page's first load: the
 * openers import this module lazily, and the data loads the first time a
 * picker or the ":shortcode:" suggestions need it (app/_lib/emoji-data.ts).
 */
import {
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { createPortal } from "react-dom";
import {
  type EmojiEntry,
  SKIN_TONES,
  type SkinTone,
  searchEmoji,
  withSkinTone,
} from "@/app/_lib/emoji";
import { useEmoji } from "@/app/_lib/emoji-data";
import {
  readRecentEmoji,
  readSkinTone,
  rememberEmoji,
  writeSkinTone,
} from "@/app/_lib/emoji-prefs";
import { isReactable } from "@/lib/emoji";

const COLUMNS = 8;
const GAP = 4;
const MARGIN = 8;

interface Item {
  key: string;
  /** What is picked: the emoji in the chosen skin tone, where it has one. */
  emoji: string;
  entry: EmojiEntry;
}

interface Section {
  key: string;
  title: string;
  icon: string;
  /** Rows of indexes into the items. */
  rows: number[][];
}

export function EmojiPicker({
  label,
  purpose,
  anchor,
  onPick,
  onClose,
  returnFocus,
}: {
  /** The dialog's name, e.g. "Add reaction". */
  label: string;
  /** Reactions offer only emoji the server takes as a reaction. */
  purpose: "reaction" | "text";
  /** The button that opened it: the picker sits beside it, and Escape returns focus to it. */
  anchor: RefObject<HTMLElement | null>;
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Gives focus back on Escape, where focusing the anchor is not enough. */
  returnFocus?: () => void;
}) {
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const { index, failed } = useEmoji(true);
  const [query, setQuery] = useState("");
  const [tone, setTone] = useState<SkinTone>(readSkinTone);
  const [recent] = useState(readRecentEmoji);
  const [active, setActive] = useState(0);

  const { items, sections } = useMemo(() => {
    const items: Item[] = [];
    const sections: Section[] = [];
    if (!index) return { items, sections };
    const allowed = (emoji: string) => purpose === "text" || isReactable(emoji);
    const add = (key: string, title: string, icon: string, list: Item[]) => {
      if (list.length === 0) return;
      const rows: number[][] = [];
      for (const item of list) {
        if ((rows.at(-1)?.length ?? COLUMNS) === COLUMNS) rows.push([]);
        rows.at(-1)?.push(items.length);
        items.push(item);
      }
      sections.push({ key, title, icon, rows });
    };
    const toned = (entry: EmojiEntry, key: string): Item => {
      const emoji = withSkinTone(entry, tone);
      return { key, emoji: allowed(emoji) ? emoji : entry.emoji, entry };
    };
    if (query.trim()) {
      const hits = searchEmoji(index, query).filter((entry) => allowed(entry.emoji));
      add(
        "results",
        "Search results",
        "",
        hits.map((entry) => toned(entry, entry.emoji)),
      );
      return { items, sections };
    }
    const used = recent.flatMap((emoji) => {
      const entry = index.byEmoji.get(emoji);
      return entry && allowed(emoji) ? [{ key: `recent-${emoji}`, emoji, entry }] : [];
    });
    add("recent", "Recently used", "🕘", used);
    for (const group of index.groups) {
      const list = group.emoji.filter((entry) => allowed(entry.emoji));
      add(
        group.key,
        group.label,
        group.icon,
        list.map((entry) => toned(entry, entry.emoji)),
      );
    }
    return { items, sections };
  }, [index, purpose, query, tone, recent]);

  const current = Math.max(0, Math.min(active, items.length - 1));
  const cellId = (at: number) => `${id}-emoji-${at}`;
  const headingId = (section: Section) => `${id}-${section.key}`;

  // Shown in the top layer (so no scrolling list clips it), beside the opener.
  useLayoutEffect(() => {
    const element = root.current;
    if (!element) return;
    element.showPopover?.();
    const place = () => {
      const opener = anchor.current?.getBoundingClientRect();
      // A hidden opener (its toolbar hides while focus is here) keeps the picker where it is.
      if (!opener || (opener.width === 0 && opener.height === 0)) return;
      const width = element.offsetWidth;
      const height = element.offsetHeight;
      const viewWidth = document.documentElement.clientWidth;
      const viewHeight = window.innerHeight;
      const fitsBelow = opener.bottom + GAP + height <= viewHeight - MARGIN;
      const moreRoomBelow = viewHeight - opener.bottom >= opener.top;
      const top = fitsBelow || moreRoomBelow ? opener.bottom + GAP : opener.top - GAP - height;
      const left = opener.right - width;
      element.style.top = `${Math.max(MARGIN, Math.min(top, viewHeight - height - MARGIN))}px`;
      element.style.left = `${Math.max(MARGIN, Math.min(left, viewWidth - width - MARGIN))}px`;
    };
    place();
    search.current?.focus({ preventScroll: true });
    window.addEventListener("resize", place);
    window.addEventListener("scroll", place, true);
    return () => {
      window.removeEventListener("resize", place);
      window.removeEventListener("scroll", place, true);
    };
  }, [anchor]);

  useEffect(() => {
    const outside = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!root.current?.contains(target) && !anchor.current?.contains(target)) onClose();
    };
    document.addEventListener("pointerdown", outside, true);
    return () => document.removeEventListener("pointerdown", outside, true);
  }, [anchor, onClose]);

  const pick = (item: Item | undefined) => {
    if (!item) return;
    rememberEmoji(item.emoji);
    onPick(item.emoji);
  };

  /** Scrolls the picker's own list (and nothing around it) so `element` shows below the sticky heading. */
  const reveal = (element: HTMLElement | null, atTop = false) => {
    const list = scroller.current;
    if (!element || !list) return;
    const box = list.getBoundingClientRect();
    const rect = element.getBoundingClientRect();
    const heading = 28;
    if (atTop) list.scrollTop += rect.top - box.top;
    else if (rect.top < box.top + heading) list.scrollTop -= box.top + heading - rect.top;
    else if (rect.bottom > box.bottom) list.scrollTop += rect.bottom - box.bottom;
  };

  const focusCell = (at: number) => {
    if (at < 0 || at >= items.length) return;
    setActive(at);
    const cell = document.getElementById(cellId(at));
    cell?.focus({ preventScroll: true });
    reveal(cell);
  };

  // Where each item sits, for moving up and down between rows of different lengths.
  const grid = useMemo(() => {
    const rows = sections.flatMap((section) => section.rows);
    const rowOf = new Map<number, number>();
    rows.forEach((row, number) => {
      for (const at of row) rowOf.set(at, number);
    });
    return { rows, rowOf };
  }, [sections]);

  const onGridKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const at = Number((event.target as HTMLElement).dataset.index);
    if (!Number.isInteger(at)) return;
    const rowNumber = grid.rowOf.get(at) ?? 0;
    const row = grid.rows[rowNumber] ?? [];
    const column = row.indexOf(at);
    const inRow = (number: number) => {
      const target = grid.rows[number];
      return target ? target[Math.min(column, target.length - 1)] : undefined;
    };
    let to: number | undefined;
    if (event.key === "ArrowRight") to = at + 1;
    else if (event.key === "ArrowLeft") to = at - 1;
    else if (event.key === "ArrowDown") to = inRow(rowNumber + 1);
    else if (event.key === "ArrowUp") {
      if (rowNumber === 0) {
        event.preventDefault();
        search.current?.focus();
        return;
      }
      to = inRow(rowNumber - 1);
    } else if (event.key === "PageDown") to = inRow(Math.min(grid.rows.length - 1, rowNumber + 5));
    else if (event.key === "PageUp") to = inRow(Math.max(0, rowNumber - 5));
    else if (event.key === "Home") to = event.ctrlKey ? 0 : row[0];
    else if (event.key === "End") to = event.ctrlKey ? items.length - 1 : row.at(-1);
    else {
      // Typing searches: the character goes into the search box.
      if (
        event.key.length === 1 &&
        event.key !== " " &&
        !event.ctrlKey &&
        !event.metaKey &&
        !event.altKey
      )
        search.current?.focus();
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (to !== undefined) focusCell(to);
  };

  const onSearchKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      focusCell(current);
    } else if (event.key === "Enter" && !event.nativeEvent.isComposing) {
      // The first emoji shown, or the one last moved to (a new search starts at the first).
      event.preventDefault();
      pick(items[current]);
    }
  };

  const close = () => {
    if (returnFocus) returnFocus();
    else anchor.current?.focus();
    onClose();
  };

  const status = failed
    ? "The emoji could not be loaded. Close this and try again."
    : !index
      ? "Loading emoji…"
      : query.trim()
        ? items.length === 0
          ? `No emoji match “${query.trim()}”.`
          : `${items.length} emoji found.`
        : "";
  const shown = items[current];

  return createPortal(
    <div
      ref={root}
      role="dialog"
      aria-label={label}
      popover="manual"
      tabIndex={-1}
      style={{ inset: "auto", margin: 0 }}
      onKeyDown={(event) => {
        if (event.key === "Tab") {
          const stops = [
            ...(root.current?.querySelectorAll<HTMLElement>(
              "input, select, button:not([tabindex='-1'])",
            ) ?? []),
          ];
          const end = event.shiftKey ? stops[0] : stops.at(-1);
          if (event.target !== end) return;
        } else if (event.key !== "Escape") return;
        event.preventDefault();
        event.stopPropagation();
        close();
      }}
      onBlur={(event) => {
        const to = event.relatedTarget as Node | null;
        if (to && !root.current?.contains(to) && !anchor.current?.contains(to)) onClose();
      }}
      className="fixed z-50 flex w-80 flex-col overflow-hidden rounded-lg border border-border bg-bg p-0 text-fg shadow-xl"
    >
      <div className="flex items-center gap-2 border-b border-border p-2">
        <input
          ref={search}
          type="search"
          aria-label="Search emoji"
          placeholder="Search emoji"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={onSearchKeyDown}
          className="min-w-0 flex-1 rounded-md border border-border bg-bg px-2 py-1 text-sm"
        />
        <select
          aria-label="Skin tone"
          value={tone}
          onChange={(event) => {
            const chosen = Number(event.target.value) as SkinTone;
            setTone(chosen);
            writeSkinTone(chosen);
          }}
          className="rounded-md border border-border bg-bg px-1 py-1 text-sm"
        >
          {SKIN_TONES.map((option) => (
            <option key={option.tone} value={option.tone}>
              {`${option.tone === 0 ? "✋" : `✋${String.fromCodePoint(0x1f3fa + option.tone)}`} ${option.label}`}
            </option>
          ))}
        </select>
      </div>
      {!query.trim() && sections.length > 0 ? (
        <fieldset className="flex justify-between border-b border-border px-1">
          <legend className="sr-only">Categories</legend>
          {sections.map((section) => (
            <button
              key={section.key}
              type="button"
              aria-label={section.title}
              title={section.title}
              onClick={() => {
                const first = section.rows[0]?.[0];
                if (first !== undefined) focusCell(first);
                reveal(document.getElementById(headingId(section)), true);
              }}
              className="rounded px-1 py-1 text-base hover:bg-hover"
            >
              {section.icon}
            </button>
          ))}
        </fieldset>
      ) : null}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: arrow keys between the grids' cells */}
      <div ref={scroller} className="h-64 overflow-y-auto px-1 pb-1" onKeyDown={onGridKeyDown}>
        {status && !(index && items.length > 0) ? (
          <p aria-hidden="true" className="p-3 text-center text-sm text-muted">
            {status}
          </p>
        ) : null}
        {sections.map((section) => (
          <section key={section.key}>
            <h3
              id={headingId(section)}
              className="sticky top-0 bg-bg px-1 pt-2 pb-1 text-xs font-semibold text-muted"
            >
              {section.title}
            </h3>
            {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: a table the arrow keys move through is WAI-ARIA's grid */}
            <table role="grid" aria-labelledby={headingId(section)} className="border-collapse">
              <tbody>
                {section.rows.map((row) => (
                  <tr key={row[0]}>
                    {row.map((at) => {
                      const item = items[at] as Item;
                      return (
                        <td key={item.key} className="p-0">
                          <button
                            type="button"
                            id={cellId(at)}
                            data-index={at}
                            tabIndex={at === current ? 0 : -1}
                            aria-label={item.entry.label}
                            title={
                              item.entry.shortcodes[0]
                                ? `:${item.entry.shortcodes[0]}:`
                                : item.entry.label
                            }
                            onFocus={() => setActive(at)}
                            onClick={() => pick(item)}
                            className={`flex h-9 w-9 items-center justify-center rounded text-2xl hover:bg-hover focus-visible:outline-2 focus-visible:outline-accent ${at === current ? "bg-hover" : ""}`}
                          >
                            {item.emoji}
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
      <div
        aria-hidden="true"
        className="flex h-10 items-center gap-2 border-t border-border px-2 text-sm"
      >
        {shown ? (
          <>
            <span className="text-xl">{shown.emoji}</span>
            <span className="truncate">{shown.entry.label}</span>
            {shown.entry.shortcodes[0] ? (
              <span className="ml-auto truncate text-xs text-muted">
                :{shown.entry.shortcodes[0]}:
              </span>
            ) : null}
          </>
        ) : null}
      </div>
      <p role="status" className="sr-only">
        {status}
      </p>
    </div>,
    document.body,
  );
}
