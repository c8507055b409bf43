/**
 * A search hit's body as plain text with its matches marked. The server's
 * highlights are [start, end) offsets into the raw body, so the raw text is
 * what gets cut and marked — never HTML, never the Markdown rendering —
 * except that a mention token (`<@id>`, `<!channel>`) shows as "@Name" and is
 * marked whole when a highlight touches it. Long bodies become an excerpt
 * around the first match.
 */
import { BROADCAST, MENTION } from "@/lib/mentions";

export interface Segment {
  text: string;
  marked: boolean;
}

interface Range {
  start: number;
  end: number;
}

/** A run of the body: plain text (cut freely) or a token shown as one name. */
interface Unit extends Range {
  display: string | null;
}

const TOKENS = new RegExp(`${MENTION.source}|${BROADCAST.source}`, "gi");

/** Ranges clamped to the body, sorted, overlapping and touching ones joined, empty ones dropped. */
function normalise(ranges: readonly Range[], length: number): Range[] {
  const merged: Range[] = [];
  const clamped = ranges
    .map((range) => ({
      start: Math.max(0, Math.min(range.start, length)),
      end: Math.max(0, Math.min(range.end, length)),
    }))
    .filter((range) => range.end > range.start)
    .sort((a, b) => a.start - b.start);
  for (const range of clamped) {
    const last = merged.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

function units(body: string, resolveMention: (userId: string) => string | undefined): Unit[] {
  const found: Unit[] = [];
  let at = 0;
  for (const match of body.matchAll(TOKENS)) {
    const start = match.index;
    if (start > at) found.push({ start: at, end: start, display: null });
    const [token, userId, broadcast] = match;
    const name = userId ? (resolveMention(userId.toLowerCase())?.trim() ?? "unknown") : broadcast;
    found.push({ start, end: start + token.length, display: `@${name}` });
    at = start + token.length;
  }
  if (at < body.length) found.push({ start: at, end: body.length, display: null });
  return found;
}

/** Where an excerpt of at most `maxLength` raw characters starts and ends, widened to whole tokens. */
function window(body: string, first: Range | undefined, tokens: Unit[], maxLength: number): Range {
  if (body.length <= maxLength) return { start: 0, end: body.length };
  let start = Math.max(0, Math.min((first?.start ?? 0) - 40, body.length - maxLength));
  // Start at a word boundary when one is near.
  if (start > 0) {
    const space = body.slice(start, start + 20).search(/\s/);
    if (space >= 0 && start + space < (first?.start ?? body.length)) start += space + 1;
  }
  let end = Math.min(body.length, start + maxLength);
  for (const token of tokens) {
    if (token.display === null) continue;
    if (token.start < start && token.end > start) start = token.start;
    if (token.start < end && token.end > end) end = token.end;
  }
  return { start, end };
}

/**
 * The body from `highlights` as segments to render, marked ones in <mark>.
 * Whitespace runs (line breaks included) become single spaces.
 */
export function highlightSegments(
  body: string,
  highlights: readonly Range[],
  resolveMention: (userId: string) => string | undefined,
  maxLength = 240,
): Segment[] {
  const ranges = normalise(highlights, body.length);
  const all = units(body, resolveMention);
  const shown = window(body, ranges[0], all, maxLength);
  const segments: Segment[] = [];
  const push = (text: string, marked: boolean) => {
    const clean = text.replace(/\s+/g, " ");
    if (!clean) return;
    const last = segments.at(-1);
    if (last && last.marked === marked) last.text += clean;
    else segments.push({ text: clean, marked });
  };
  if (shown.start > 0) push("…", false);
  for (const unit of all) {
    const start = Math.max(unit.start, shown.start);
    const end = Math.min(unit.end, shown.end);
    if (end <= start) continue;
    if (unit.display !== null) {
      push(
        unit.display,
        ranges.some((range) => range.start < unit.end && range.end > unit.start),
      );
      continue;
    }
    let at = start;
    for (const range of ranges) {
      if (range.end <= at || range.start >= end) continue;
      if (range.start > at) push(body.slice(at, range.start), false);
      const stop = Math.min(range.end, end);
      push(body.slice(Math.max(range.start, at), stop), true);
      at = stop;
    }
    if (at < end) push(body.slice(at, end), false);
  }
  if (shown.end < body.length) push("…", false);
  return segments;
}
