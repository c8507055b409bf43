import data from "emojibase-data/en/compact.json";
import github from "emojibase-data/en/shortcodes/github.json";
import { describe, expect, it } from "vitest";
import { isReactable } from "@/lib/emoji";
import { ZEmojiSchema } from "@/server/schemas";
import {
  buildEmojiIndex,
  QUICK_REACTIONS,
  replaceShortcodeAtCaret,
  replaceShortcodes,
  searchEmoji,
  shortcodeAtCaret,
  splitCode,
  suggestShortcodes,
  withSkinTone,
} from "./emoji";

const index = buildEmojiIndex(data, github);
const emojiFor = (name: string) => index.byShortcode.get(name)?.emoji;
const convert = (text: string) => replaceShortcodes(text, emojiFor);
const entryOf = (emoji: string) => {
  const entry = index.byEmoji.get(emoji);
  if (!entry) throw new Error(`no entry for ${emoji}`);
  return entry;
};

/** Every emoji the data offers, with each of its skin tones. */
const everyForm = index.all.flatMap((entry) => [entry.emoji, ...(entry.skins ?? [])]);

describe("the emoji data", () => {
  it("offers only reactions the server accepts, over the whole data set", () => {
    const offered = everyForm.filter(isReactable);
    const refused = offered.filter((emoji) => !ZEmojiSchema.safeParse(emoji).success);
    expect(refused).toEqual([]);
    // Thousands of emoji, skin tones included, are offered.
    expect(offered.length).toBeGreaterThan(3500);
  });

  it("judges a reaction exactly as the server does, so it holds back only what the server refuses", () => {
    const disagreements = everyForm.filter(
      (emoji) => isReactable(emoji) !== ZEmojiSchema.safeParse(emoji).success,
    );
    expect(disagreements).toEqual([]);
    // What the server refuses: the twelve keycaps (they hold no pictograph).
    const held = everyForm.filter((emoji) => !isReactable(emoji));
    expect(held.map((emoji) => entryOf(emoji).label)).toEqual([
      "keycap: #",
      "keycap: *",
      ...Array.from({ length: 10 }, (_, digit) => `keycap: ${digit}`),
    ]);
  });

  it("spells emoji as keyboards do, so the quick reactions are the same reactions", () => {
    for (const quick of QUICK_REACTIONS) expect(entryOf(quick).emoji).toBe(quick);
    expect(emojiFor("+1")).toBe("\u{1F44D}");
    expect(emojiFor("heart")).toBe("\u2764\uFE0F");
    expect(index.byEmoji.get("\u{1F44D}\uFE0F")?.emoji).toBe("\u{1F44D}");
  });

  it("leaves out components and lone regional indicators, and keeps the standard order", () => {
    expect(index.groups.map((group) => group.label)).toEqual([
      "Smileys & Emotion",
      "People & Body",
      "Animals & Nature",
      "Food & Drink",
      "Travel & Places",
      "Activities",
      "Objects",
      "Symbols",
      "Flags",
    ]);
    expect(index.byEmoji.has("\u{1F3FB}")).toBe(false);
    expect(index.byEmoji.has("\u{1F1E6}")).toBe(false);
    expect(index.all[0]?.emoji).toBe("😀");
  });

  it("knows GitHub's shortcodes", () => {
    expect(emojiFor("smile")).toBe("😄");
    expect(emojiFor("tada")).toBe("🎉");
    expect(emojiFor("thumbsup")).toBe("👍");
    expect(emojiFor("-1")).toBe("👎");
  });
});

describe("skin tones", () => {
  it("applies a tone where the emoji has one", () => {
    expect(withSkinTone(entryOf("👍"), 2)).toBe("👍🏼");
    expect(withSkinTone(entryOf("👍"), 0)).toBe("👍");
    expect(withSkinTone(entryOf("🎉"), 3)).toBe("🎉");
  });

  it("gives every person of a group the same tone", () => {
    expect(withSkinTone(entryOf("🧑‍🤝‍🧑"), 5)).toBe("🧑🏿‍🤝‍🧑🏿");
  });
});

describe("search", () => {
  it("finds by shortcode, name and keyword, best first", () => {
    expect(searchEmoji(index, "tada")[0]?.emoji).toBe("🎉");
    expect(searchEmoji(index, ":tada:")[0]?.emoji).toBe("🎉");
    expect(searchEmoji(index, "party popper")[0]?.emoji).toBe("🎉");
    expect(searchEmoji(index, "Thumbs")[0]?.emoji).toBe("👍");
    expect(searchEmoji(index, "celebration").map((entry) => entry.emoji)).toContain("🎉");
    expect(searchEmoji(index, "zzzqqq")).toEqual([]);
    expect(searchEmoji(index, "  ")).toEqual([]);
  });
});

describe("shortcode suggestions", () => {
  it("starts at a ':' that begins a word, after two characters", () => {
    expect(shortcodeAtCaret(":tad")).toBe("tad");
    expect(shortcodeAtCaret("well done :+1")).toBe("+1");
    expect(shortcodeAtCaret("a\n:sm")).toBe("sm");
    expect(shortcodeAtCaret(":t")).toBeNull();
    expect(shortcodeAtCaret("at 10:30")).toBeNull();
    expect(shortcodeAtCaret("see https://ex")).toBeNull();
    expect(shortcodeAtCaret(":smile:")).toBeNull();
    expect(shortcodeAtCaret(":tad ")).toBeNull();
  });

  it("suggests the exact name first, then names that start with it", () => {
    expect(suggestShortcodes(index, "tad")[0]).toMatchObject({ shortcode: "tada" });
    expect(suggestShortcodes(index, "smile")[0]).toMatchObject({ shortcode: "smile" });
    const shortcodes = suggestShortcodes(index, "smi").map((hit) => hit.shortcode);
    expect(shortcodes.every((code) => code.includes("smi"))).toBe(true);
    expect(shortcodes.length).toBe(8);
  });

  it("replaces what is typed at the caret", () => {
    expect(replaceShortcodeAtCaret("so :tad", "🎉 ")).toBe("so 🎉 ");
  });
});

describe("replaceShortcodes", () => {
  it("turns known shortcodes into emoji", () => {
    expect(convert(":smile:")).toBe("😄");
    expect(convert("ship it :tada: :+1:")).toBe("ship it 🎉 👍");
    expect(convert(":tada::tada:")).toBe("🎉🎉");
    expect(convert("(:smile:)")).toBe("(😄)");
    expect(convert("line one\n:heart: line two")).toBe("line one\n❤️ line two");
  });

  it("leaves unknown shortcodes as typed", () => {
    expect(convert(":not_an_emoji: :smile")).toBe(":not_an_emoji: :smile");
    expect(convert("::")).toBe("::");
    expect(convert(":SMILE:")).toBe(":SMILE:");
  });

  it("leaves URLs, times, words and escaped colons alone", () => {
    expect(convert("https://example.com/:smile:/x")).toBe("https://example.com/:smile:/x");
    expect(convert("at 10:30:45")).toBe("at 10:30:45");
    expect(convert("word:smile:")).toBe("word:smile:");
    expect(convert("\\:smile:")).toBe("\\:smile:");
  });

  it("leaves code spans alone", () => {
    expect(convert("run `:smile:` then :smile:")).toBe("run `:smile:` then 😄");
    expect(convert("``a ` :tada: ``:tada:")).toBe("``a ` :tada: ``🎉");
    // An unmatched backtick opens nothing.
    expect(convert("it`s :tada:")).toBe("it`s 🎉");
    // An escaped backtick opens nothing either.
    expect(convert("\\`:tada:`")).toBe("\\`🎉`");
  });

  it("leaves code fences alone", () => {
    const fenced = "before :tada:\n```js\nconst a = ':smile:';\n```\nafter :tada:";
    expect(convert(fenced)).toBe("before 🎉\n```js\nconst a = ':smile:';\n```\nafter 🎉");
    expect(convert("~~~\n:smile:\n~~~\n:smile:")).toBe("~~~\n:smile:\n~~~\n😄");
    // Slack's fence: it closes on the line that ends with it.
    expect(convert("```npm test\n:smile:```\n:smile:")).toBe("```npm test\n:smile:```\n😄");
    // A fence never closed runs to the end.
    expect(convert("```\n:smile:\n\n:tada:")).toBe("```\n:smile:\n\n:tada:");
    // A fence in a quote.
    expect(convert("> ```\n> :smile:\n> ```\n:smile:")).toBe("> ```\n> :smile:\n> ```\n😄");
  });

  it("splits text into prose and code without losing a character", () => {
    const text = "a `b` c\n```\nd\n```\ne ``f`` g";
    const parts = splitCode(text);
    expect(parts.map((part) => part.text).join("")).toBe(text);
    expect(parts.filter((part) => part.code).map((part) => part.text)).toEqual([
      "`b`",
      "```\nd\n```\n",
      "``f``",
    ]);
  });
});
