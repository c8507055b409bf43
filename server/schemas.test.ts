import { describe, expect, it } from "vitest";
import { ZEmojiSchema } from "./schemas";

describe("ZEmojiSchema", () => {
  it("spells an emoji one way, so its reactions are counted as one", () => {
    expect(ZEmojiSchema.parse("👍\uFE0F")).toBe("👍");
    expect(ZEmojiSchema.parse(" 👍 ")).toBe("👍");
    expect(ZEmojiSchema.parse("🎉\uFE0F")).toBe(ZEmojiSchema.parse("🎉"));
    // A bare ❤ is text: its selector stays.
    expect(ZEmojiSchema.parse("❤️")).toBe("❤\uFE0F");
    // Skin tones and joined sequences are single emoji.
    expect(ZEmojiSchema.parse("👍🏽")).toBe("👍🏽");
    expect(ZEmojiSchema.parse("👩‍💻")).toBe("👩‍💻");
  });

  it("refuses what is not one emoji", () => {
    for (const bad of ["", " ", "a", "👍 a", "1️⃣", "#️⃣", "\uFE0F", "👍".repeat(17), 3])
      expect(ZEmojiSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
