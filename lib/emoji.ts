/**
 * What counts as one emoji reaction, for the server's schema and the
 * browser's pickers alike: 1–16 code points of emoji characters, at least
 * one a pictograph (so keycaps such as 1️⃣ and #️⃣, which have none, are not
 * reactions).
 */
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const EMOJI_ONLY =
  /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200d|\ufe0f|\u20e3)+$/u;

export const MAX_EMOJI_CODE_POINTS = 16;

/** Whether `emoji` is one reaction (after trimming). */
export const isReactable = (emoji: string) => {
  const length = [...emoji].length;
  return (
    length >= 1 &&
    length <= MAX_EMOJI_CODE_POINTS &&
    EMOJI_ONLY.test(emoji) &&
    PICTOGRAPH.test(emoji)
  );
};

/**
 * One spelling per emoji. Emoji that show as emoji by default ("👍") may come
 * with a redundant variation selector (U+FE0F: emoji data, some keyboards)
 * or without it (most keyboards, our quick reactions); a reaction is keyed
 * by its exact text, so the redundant selector goes and both count as one.
 * "❤️" keeps its selector: a bare ❤ is text.
 */
export const canonicalEmoji = (emoji: string) =>
  emoji.replace(/(\p{Emoji_Presentation})\uFE0F/gu, "$1");
