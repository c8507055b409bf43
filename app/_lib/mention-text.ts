/**
 * Mentions between the wire and the text box: people type and read "@Ada
 * Lovelace", "@channel", "@here"; bodies carry `<@id>`, `<!channel>`,
 * `<!here>`. Editing a message turns its tokens back into names, so saving
 * keeps every mention.
 */
import { BROADCAST, MENTION } from "@/lib/mentions";

/** Names chosen in this box, by the text that stands for them ("Ada Lovelace" → id). */
export type ChosenMentions = Map<string, string>;

/** The body as typed, with each chosen "@Name" (and @channel/@here) as its wire token. */
export function encodeMentions(text: string, chosen: ChosenMentions): string {
  let encoded = text;
  // Longest names first, so "@Ada Lovelace" is not taken for "@Ada".
  for (const [name, id] of [...chosen].sort((a, b) => b[0].length - a[0].length)) {
    encoded = encoded.split(`@${name}`).join(`<@${id}>`);
  }
  return encoded.replace(/(^|\s)@(channel|here)\b/g, "$1<!$2>");
}

/** A stored body as its author edits it: tokens as "@Name", with the names remembered. */
export function decodeMentions(
  body: string,
  resolve: (userId: string) => string | undefined,
): { text: string; chosen: ChosenMentions } {
  const chosen: ChosenMentions = new Map();
  const text = body
    .replace(MENTION, (token, id: string) => {
      const name = resolve(id.toLowerCase());
      if (!name) return token;
      chosen.set(name, id.toLowerCase());
      return `@${name}`;
    })
    .replace(BROADCAST, (_token, which: string) => `@${which}`);
  return { text, chosen };
}
