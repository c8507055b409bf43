/**
 * Emoji for the picker, the ":shortcode:" suggestions and the conversion on
 * send, built from emojibase-data: Unicode's emoji in their standard order
 * with their English CLDR names and keywords, and GitHub's shortcodes (the
 * set people know from GitHub and Slack: :smile:, :+1:, :tada:).
 *
 * Everything here is a pure function of data passed in; emoji-data.ts loads
 * the data on first use, so importing this file adds no data to a page.
 */
import type { CompactEmoji, ShortcodesDataset } from "emojibase";
import { canonicalEmoji } from "@/lib/emoji";

/** The six reactions offered first, one click away. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "👀", "✅"];

export type SkinTone = 0 | 1 | 2 | 3 | 4 | 5;

export const SKIN_TONES: readonly { tone: SkinTone; label: string }[] = [
  { tone: 0, label: "Default" },
  { tone: 1, label: "Light" },
  { tone: 2, label: "Medium-light" },
  { tone: 3, label: "Medium" },
  { tone: 4, label: "Medium-dark" },
  { tone: 5, label: "Dark" },
];

/** The Fitzpatrick modifiers U+1F3FB–U+1F3FF, for tones 1–5. */
const MODIFIER_HEX = ["1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"];

export interface EmojiEntry {
  /** The emoji as keyboards type it (fully qualified), so it matches reactions added elsewhere. */
  emoji: string;
  /** Its CLDR name, e.g. "party popper". */
  label: string;
  /** GitHub shortcodes without colons, the usual one first; empty for emoji GitHub has none for. */
  shortcodes: string[];
  /** CLDR keywords, e.g. "celebration". */
  tags: string[];
  /** Position in Unicode's recommended order. */
  order: number;
  /** The variant for skin tones 1–5 (index tone − 1), where it has them. */
  skins?: string[];
}

export interface EmojiGroup {
  key: string;
  label: string;
  /** A representative emoji for the group's button. */
  icon: string;
  emoji: EmojiEntry[];
}

export interface EmojiIndex {
  groups: EmojiGroup[];
  /** Every emoji in the groups, in order. */
  all: EmojiEntry[];
  byShortcode: Map<string, EmojiEntry>;
  /** Any form of an emoji (with or without a skin tone) to its entry. */
  byEmoji: Map<string, EmojiEntry>;
}

/**
 * emojibase's groups (its numbering); 2, "components" (bare skin tones and
 * hair styles), is left out: they are parts of emoji, not emoji to pick.
 */
const GROUPS: readonly { group: number; key: string; label: string; icon: string }[] = [
  { group: 0, key: "smileys-emotion", label: "Smileys & Emotion", icon: "😀" },
  { group: 1, key: "people-body", label: "People & Body", icon: "👋" },
  { group: 3, key: "animals-nature", label: "Animals & Nature", icon: "🐻" },
  { group: 4, key: "food-drink", label: "Food & Drink", icon: "🍔" },
  { group: 5, key: "travel-places", label: "Travel & Places", icon: "🚗" },
  { group: 6, key: "activities", label: "Activities", icon: "⚽" },
  { group: 7, key: "objects", label: "Objects", icon: "💡" },
  { group: 8, key: "symbols", label: "Symbols", icon: "🔣" },
  { group: 9, key: "flags", label: "Flags", icon: "🏁" },
];

/**
 * The variant of each tone: the one whose every modifier is that tone (so
 * "people holding hands" gets both people in it, not a mixed pair).
 */
function skinsOf(entry: CompactEmoji): string[] | undefined {
  if (!entry.skins) return undefined;
  const skins = MODIFIER_HEX.map((modifier) =>
    entry.skins?.find((skin) => {
      const parts = skin.hexcode.split("-").filter((part) => MODIFIER_HEX.includes(part));
      return parts.length > 0 && parts.every((part) => part === modifier);
    }),
  );
  if (skins.some((skin) => !skin)) return undefined;
  return skins.map((skin) => canonicalEmoji(skin?.unicode ?? ""));
}

export function buildEmojiIndex(data: CompactEmoji[], shortcodes: ShortcodesDataset): EmojiIndex {
  const byGroup = new Map<number, EmojiEntry[]>(GROUPS.map(({ group }) => [group, []]));
  const byShortcode = new Map<string, EmojiEntry>();
  const byEmoji = new Map<string, EmojiEntry>();
  for (const item of [...data].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))) {
    const list = item.group === undefined ? undefined : byGroup.get(item.group);
    if (!list) continue;
    const codes = shortcodes[item.hexcode];
    const entry: EmojiEntry = {
      emoji: canonicalEmoji(item.unicode),
      label: item.label,
      shortcodes: codes === undefined ? [] : typeof codes === "string" ? [codes] : codes,
      tags: item.tags ?? [],
      order: item.order ?? 0,
      skins: skinsOf(item),
    };
    list.push(entry);
    for (const code of entry.shortcodes) if (!byShortcode.has(code)) byShortcode.set(code, entry);
    for (const form of [entry.emoji, ...(entry.skins ?? [])]) byEmoji.set(form, entry);
    // Also as typed with the redundant selector, so it is still recognised.
    byEmoji.set(item.unicode, entry);
  }
  const groups = GROUPS.map(({ group, key, label, icon }) => ({
    key,
    label,
    icon,
    emoji: byGroup.get(group) ?? [],
  }));
  return { groups, all: groups.flatMap((group) => group.emoji), byShortcode, byEmoji };
}

/** The emoji in `tone`, where it has skin tones; else as it is. */
export const withSkinTone = (entry: EmojiEntry, tone: SkinTone): string =>
  (tone > 0 && entry.skins?.[tone - 1]) || entry.emoji;

/** Shortcodes are lowercase letters, digits, "_", "+" and "-" (":+1:", ":-1:", ":e-mail:"). */
const SHORTCODE_CHARACTERS = "[a-z0-9_+-]";

/**
 * Emoji matching a search, best first: a shortcode or name that is the
 * search, then ones that start with it, then a word of the name that
 * does, then anything containing it, keywords included.
 */
export function searchEmoji(index: EmojiIndex, search: string, limit = 120): EmojiEntry[] {
  const needle = search.trim().toLowerCase().replace(/^:|:$/g, "");
  if (!needle) return [];
  const rank = (entry: EmojiEntry): number => {
    const label = entry.label.toLowerCase();
    if (entry.shortcodes.includes(needle) || label === needle) return 0;
    if (entry.shortcodes.some((code) => code.startsWith(needle)) || label.startsWith(needle))
      return 1;
    if (label.split(/[\s:,]+/).some((word) => word.startsWith(needle))) return 2;
    if (entry.tags.some((tag) => tag.startsWith(needle))) return 3;
    if (entry.shortcodes.some((code) => code.includes(needle)) || label.includes(needle)) return 4;
    return -1;
  };
  return index.all
    .map((entry) => ({ entry, rank: rank(entry) }))
    .filter((hit) => hit.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.entry.order - b.entry.order)
    .slice(0, limit)
    .map((hit) => hit.entry);
}

export interface ShortcodeSuggestion {
  entry: EmojiEntry;
  /** The shortcode that matched. */
  shortcode: string;
}

/** Shortcodes for ":" + `partial`: the exact one, then those starting with it (shortest first), then those containing it. */
export function suggestShortcodes(
  index: EmojiIndex,
  partial: string,
  limit = 8,
): ShortcodeSuggestion[] {
  const needle = partial.toLowerCase();
  const hits: (ShortcodeSuggestion & { rank: number })[] = [];
  for (const [shortcode, entry] of index.byShortcode) {
    const at = shortcode.indexOf(needle);
    if (at < 0) continue;
    hits.push({ entry, shortcode, rank: shortcode === needle ? 0 : at === 0 ? 1 : 2 });
  }
  return hits
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        (a.rank === 1 ? a.shortcode.length - b.shortcode.length : 0) ||
        a.entry.order - b.entry.order,
    )
    .slice(0, limit)
    .map(({ entry, shortcode }) => ({ entry, shortcode }));
}

const TYPED_SHORTCODE = new RegExp(`(?:^|\\s):(${SHORTCODE_CHARACTERS}{2,40})$`, "i");

/**
 * The shortcode being typed at the caret, from the text before it: ":tad" →
 * "tad". Two characters at least, and the ":" starts a word, so times
 * ("10:30") and URLs ("https://") are not taken for one.
 */
export function shortcodeAtCaret(beforeCaret: string): string | null {
  return TYPED_SHORTCODE.exec(beforeCaret)?.[1] ?? null;
}

/** Replaces the shortcode being typed at the end of `beforeCaret` (":tad") by `text`. */
export const replaceShortcodeAtCaret = (beforeCaret: string, text: string) =>
  beforeCaret.replace(new RegExp(`:${SHORTCODE_CHARACTERS}{2,40}$`, "i"), text);

/** Whether `text` holds something that looks like a whole shortcode, so the data is worth loading. */
export const mayHoldShortcodes = (text: string) =>
  new RegExp(`:${SHORTCODE_CHARACTERS}+:`).test(text);

/**
 * `text` cut into prose and code: fenced blocks (``` or ~~~, also inside a
 * quote, closed by a line ending in the fence as in Slack, else running to
 * the end) and code spans (a run of backticks up to the next run of the same
 * length). When in doubt it says code: a shortcode left as typed is harmless,
 * one changed inside code is not.
 */
export function splitCode(text: string): { text: string; code: boolean }[] {
  const parts: { text: string; code: boolean }[] = [];
  const push = (piece: string, code: boolean) => {
    if (!piece) return;
    const last = parts.at(-1);
    if (last && last.code === code) last.text += piece;
    else parts.push({ text: piece, code });
  };
  const lines = text.split(/(?<=\n)/);
  let prose = "";
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const open = /^(?:[ \t]*>)*[ \t]*(`{3,}|~{3,})([^\n]*)/.exec(line);
    const fence = open?.[1];
    // "```code```" on one line is a code span, not a fence.
    if (!fence || (fence[0] === "`" && open[2]?.includes("`"))) {
      prose += line;
      continue;
    }
    pushInline(prose, push);
    prose = "";
    const closing = new RegExp(`${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*\\n?$`);
    let block = line;
    while (index + 1 < lines.length) {
      const next = lines[++index] as string;
      block += next;
      if (closing.test(next)) break;
    }
    push(block, true);
  }
  pushInline(prose, push);
  return parts;
}

function pushInline(text: string, push: (piece: string, code: boolean) => void) {
  let from = 0;
  let at = 0;
  while (at < text.length) {
    const tick = text.indexOf("`", at);
    if (tick < 0) break;
    let end = tick;
    while (text[end] === "`") end++;
    const run = end - tick;
    let escaped = false;
    for (let back = tick - 1; back >= 0 && text[back] === "\\"; back--) escaped = !escaped;
    if (escaped) {
      at = tick + 1;
      continue;
    }
    const close = new RegExp(`(?<!\`)\`{${run}}(?!\`)`, "g");
    close.lastIndex = end;
    const match = close.exec(text);
    if (!match) {
      at = end;
      continue;
    }
    push(text.slice(from, tick), false);
    push(text.slice(tick, match.index + run), true);
    from = at = match.index + run;
  }
  push(text.slice(from), false);
}

/**
 * ":name:" → its emoji, where `emojiFor` knows the name, outside code; unknown
 * names stay as typed. Not after a letter, digit, "/" or "\" (so URLs, times
 * and an escaped "\:smile:" stay), but one right after another is fine.
 */
export function replaceShortcodes(
  text: string,
  emojiFor: (shortcode: string) => string | undefined,
): string {
  const shortcode = new RegExp(`(?<![\\p{L}\\p{N}_/\\\\]):(${SHORTCODE_CHARACTERS}+):`, "gu");
  return splitCode(text)
    .map((part) =>
      part.code
        ? part.text
        : part.text.replace(shortcode, (typed, name: string) => emojiFor(name) ?? typed),
    )
    .join("");
}
