/**
 * What this browser remembers about someone's emoji: the skin tone they chose
 * and the emoji they used last (most recent first). Storage may be missing or
 * full (private windows); then nothing is remembered and nothing fails.
 */
import type { SkinTone } from "./emoji";

const TONE_KEY = "sequent:emoji:skin-tone";
const RECENT_KEY = "sequent:emoji:recent";
export const MAX_RECENT = 24;

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not remembered; the choice still applies now.
  }
}

export function readSkinTone(): SkinTone {
  const tone = Number(read(TONE_KEY));
  return Number.isInteger(tone) && tone >= 0 && tone <= 5 ? (tone as SkinTone) : 0;
}

export const writeSkinTone = (tone: SkinTone) => write(TONE_KEY, String(tone));

/** The emoji used last, most recent first; whatever is not a short string is dropped. */
export function readRecentEmoji(): string[] {
  try {
    const stored: unknown = JSON.parse(read(RECENT_KEY) ?? "[]");
    if (!Array.isArray(stored)) return [];
    return stored
      .filter((item): item is string => typeof item === "string" && item.length <= 64)
      .slice(0, MAX_RECENT);
  } catch {
    return [];
  }
}

export function rememberEmoji(emoji: string) {
  const recent = [emoji, ...readRecentEmoji().filter((item) => item !== emoji)];
  write(RECENT_KEY, JSON.stringify(recent.slice(0, MAX_RECENT)));
}
