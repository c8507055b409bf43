/**
 * The emoji data, loaded when first needed: the picker and the ":shortcode:"
 * suggestions call loadEmoji(), which imports emojibase's English data and
 * GitHub's shortcodes as chunks of their own. They ship with the app (no CDN,
 * nothing fetched from elsewhere) but stay out of every page's first load.
 * One load per tab; a load that failed is tried again on the next call.
 */
import { useEffect, useState } from "react";
import type { EmojiIndex } from "./emoji";
import { buildEmojiIndex } from "./emoji";

let loading: Promise<EmojiIndex> | null = null;
let loaded: EmojiIndex | null = null;

export function loadEmoji(): Promise<EmojiIndex> {
  loading ??= Promise.all([
    import("emojibase-data/en/compact.json"),
    import("emojibase-data/en/shortcodes/github.json"),
  ]).then(
    ([data, shortcodes]) => {
      loaded = buildEmojiIndex(data.default, shortcodes.default);
      return loaded;
    },
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** The data if it has loaded already, else null. */
export const loadedEmoji = (): EmojiIndex | null => loaded;

/** The emoji data once `wanted` has been true (loading it then), and whether loading failed. */
export function useEmoji(wanted: boolean): { index: EmojiIndex | null; failed: boolean } {
  const [index, setIndex] = useState(loadedEmoji);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!wanted || index) return;
    let live = true;
    loadEmoji().then(
      (loaded) => live && setIndex(loaded),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [wanted, index]);
  return { index, failed };
}
