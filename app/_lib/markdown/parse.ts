/**
 * The Markdown subset of chat messages, as markdown-it tokens.
 *
 * markdown-it does the parsing (CommonMark, linear on hostile input); this
 * file only chooses what a message may hold and adds what chat needs:
 *
 * - Out of the subset, so shown as typed: headings, thematic breaks, tables,
 *   images, raw HTML, indented code, entity references and reference-style
 *   links. A chat line starting with "#" or "    " is text, "---" under a line
 *   is not a heading, "&amp;" shows as typed, and a "[1]: …" line never
 *   silently disappears.
 * - Mentions: `<@uuid>` is one token, never text, wherever inline text is.
 * - Strikethrough is exactly two tildes, so "~5 min" and "~~~" stay text.
 * - Slack's fences: a fence with no closing line ends at the first line that
 *   ends with it ("```npm test\nnpm run lint```"), instead of running to the end.
 * - Quotes and lists nest at most eight deep; deeper markers stay text.
 * - Links keep the destination as typed. Whether it may become an href is
 *   decided in one place, by the renderer: here every destination is accepted,
 *   so a refused link is still one token and its target is never re-read as
 *   text (no bare URL is found inside "[x](data:…,https://…)").
 */

import type { Ruler, StateBlock, StateInline, Token } from "markdown-it";
import MarkdownIt from "markdown-it";
import { BROADCAST, MENTION } from "@/lib/mentions";

/** Quotes and lists nested deeper than this stay text: it bounds recursion. */
const MAX_CONTAINER_DEPTH = 8;

const TILDE = 0x7e;
const BACKSLASH = 0x5c;
const LT = 0x3c;
const TRAILING_URL_PUNCTUATION = new Set([":", "*", "_", "~"]);

type Linkify = (typeof markdown)["linkify"];
type BlockRule = (
  state: StateBlock,
  startLine: number,
  endLine: number,
  silent: boolean,
) => boolean;
type InlineRule = (state: StateInline, silent: boolean) => boolean;

/**
 * Replaces markdown-it's rule `name` by a wrapper around it, keeping the
 * chains it belongs to. Ruler has no public getter for one rule's function;
 * the version is pinned, and a renamed rule fails at load, not quietly.
 */
function wrapRule<Args extends unknown[], Result>(
  ruler: Ruler<Args, Result>,
  name: string,
  wrap: (rule: (...args: Args) => Result) => (...args: Args) => Result,
): void {
  const rule = ruler.__rules__.find((r) => r.name === name);
  if (!rule) throw new Error(`markdown-it has no rule "${name}"`);
  ruler.at(name, wrap(rule.fn), { alt: rule.alt });
}

/** `<@uuid>` at a position: the same pattern the server reads mentions with. */
const MENTION_AT = new RegExp(MENTION.source, "iy");
/** `<!channel>` or `<!here>` at a position. */
const BROADCAST_AT = new RegExp(BROADCAST.source, "y");

/**
 * A mention as one token. It runs before backslash escapes, so "\<@id>" shows
 * the backslash and the name: no spelling of a mention shows its raw token.
 */
const mention: InlineRule = (state, silent) => {
  let pos = state.pos;
  const escaped = state.src.charCodeAt(pos) === BACKSLASH;
  if (escaped) pos++;
  if (state.src.charCodeAt(pos) !== LT) return false;
  BROADCAST_AT.lastIndex = pos;
  const broadcast = BROADCAST_AT.exec(state.src);
  if (broadcast?.[1] && BROADCAST_AT.lastIndex <= state.posMax) {
    if (!silent) {
      if (escaped) state.pending += "\\";
      state.push("broadcast", "", 0).content = broadcast[1];
    }
    state.pos = BROADCAST_AT.lastIndex;
    return true;
  }
  MENTION_AT.lastIndex = pos;
  const match = MENTION_AT.exec(state.src);
  if (!match?.[1] || MENTION_AT.lastIndex > state.posMax) return false;
  if (!silent) {
    if (escaped) state.pending += "\\";
    state.push("mention", "", 0).content = match[1].toLowerCase();
  }
  state.pos = MENTION_AT.lastIndex;
  return true;
};

/** Runs of one or three-plus tildes as text, so only "~~" reaches markdown-it's strikethrough. */
const tildeRun: InlineRule = (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== TILDE) return false;
  let end = state.pos;
  while (end < state.posMax && state.src.charCodeAt(end) === TILDE) end++;
  if (end - state.pos === 2) return false;
  if (!silent) state.pending += state.src.slice(state.pos, end);
  state.pos = end;
  return true;
};

/** markdown-it's inline link, remembering the destination as typed for a link the renderer refuses. */
function withTypedTarget(link: InlineRule): InlineRule {
  return (state, silent) => {
    const start = state.pos;
    const first = state.tokens.length;
    if (!link(state, silent)) return false;
    if (!silent) {
      // Reference links are off, so this is `[label](target)`; the label scan is cached.
      const labelEnd = state.md.helpers.parseLinkLabel(state, start, true);
      for (let i = first; i < state.tokens.length; i++) {
        const token = state.tokens[i];
        if (token?.type === "link_open") {
          token.meta = { target: state.src.slice(labelEnd + 2, state.pos - 1) };
          break;
        }
      }
    }
    return true;
  };
}

/** Open quotes and lists per parse, for the nesting cap. */
const depths = new WeakMap<StateBlock, number>();

/** A container rule that refuses past the nesting cap, leaving the line to a paragraph. */
function capped(rule: BlockRule): BlockRule {
  return (state, startLine, endLine, silent) => {
    const depth = depths.get(state) ?? 0;
    if (depth >= MAX_CONTAINER_DEPTH) return false;
    depths.set(state, depth + 1);
    try {
      return rule(state, startLine, endLine, silent);
    } finally {
      depths.set(state, depth);
    }
  };
}

/**
 * What a search for a closing fence found when there was none: no bare fence
 * line longer than `longest` lies between `from` and `to`, where the fence
 * would have ended. A later fence inside that range, in the same container and
 * longer than `longest`, has no closing line either, so many Slack fences in
 * one body do not each search to the end again (which would be quadratic).
 */
interface Unclosed {
  from: number;
  to: number;
  longest: number;
}

const unclosedFences = new WeakMap<StateBlock, Map<string, Unclosed>>();

/** The length of the fence on a line if it could close a fence of `marker`, else 0. */
function closingLength(state: StateBlock, line: number, marker: number): number {
  if (state.sCount[line] === undefined || (state.sCount[line] ?? 0) - state.blkIndent >= 4) {
    return 0;
  }
  const start = (state.bMarks[line] ?? 0) + (state.tShift[line] ?? 0);
  if (state.src.charCodeAt(start) !== marker) return 0;
  const end = state.skipChars(start, marker);
  return state.skipSpaces(end) < (state.eMarks[line] ?? 0) ? 0 : end - start;
}

function lineText(state: StateBlock, line: number): string {
  return state.src.slice(
    (state.bMarks[line] ?? 0) + (state.tShift[line] ?? 0),
    state.eMarks[line] ?? 0,
  );
}

/** markdown-it's fence, with Slack's ending for a fence that has no closing line. */
function withSlackEnding(fence: BlockRule): BlockRule {
  return (state, startLine, endLine, silent) => {
    if (!fence(state, startLine, endLine, true)) return false;
    if (silent) return true;

    const opening = lineText(state, startLine);
    const marker = opening.charCodeAt(0);
    let length = 0;
    while (opening.charCodeAt(length) === marker) length++;

    const memos = unclosedFences.get(state) ?? new Map<string, Unclosed>();
    unclosedFences.set(state, memos);
    const key = `${marker}:${state.level}:${state.blkIndent}:${endLine}`;
    const memo = memos.get(key);
    let to: number;
    let pushed = false;
    if (memo && memo.from < startLine && startLine < memo.to && length > memo.longest) {
      to = memo.to;
    } else {
      fence(state, startLine, endLine, false);
      if (closingLength(state, state.line - 1, marker) >= length && state.line - 1 > startLine) {
        return true;
      }
      to = state.line;
      let longest = 0;
      for (let line = startLine + 1; line < to; line++) {
        longest = Math.max(longest, closingLength(state, line, marker));
      }
      memos.set(key, { from: startLine, to, longest });
      pushed = true;
    }

    const closer = opening.slice(0, length);
    let end = -1;
    for (let line = startLine + 1; line < to; line++) {
      if (lineText(state, line).trimEnd().endsWith(closer)) {
        end = line;
        break;
      }
    }
    if (end === -1) {
      // Unclosed and never ended Slack's way: CommonMark's fence to the end.
      if (!pushed) fence(state, startLine, endLine, false);
      return true;
    }
    if (pushed) state.tokens.pop();
    const info = opening.slice(length).trim();
    const code = state.getLines(startLine + 1, end + 1, state.sCount[startLine] ?? 0, false);
    const trimmed = code.trimEnd();
    const token = state.push("fence", "code", 0);
    // The opening line held code, not a language.
    token.info = "";
    token.content = `${info ? `${info}\n` : ""}${trimmed.slice(0, trimmed.length - closer.length)}\n`;
    token.markup = closer;
    token.map = [startLine, end + 1];
    token.meta = { slack: true };
    state.line = end + 1;
    return true;
  };
}

const markdown = new MarkdownIt("default", { html: false, linkify: true, typographer: false });

markdown.disable([
  "table",
  "code",
  "hr",
  "reference",
  "html_block",
  "heading",
  "lheading",
  "image",
  "html_inline",
  "entity",
]);

// Links and destinations stay as typed; the renderer checks and normalises them.
markdown.validateLink = () => true;
markdown.normalizeLink = (url) => url;
markdown.normalizeLinkText = (url) => url;

/**
 * A linkify-it tail validator that leaves out what ends a sentence or closes
 * emphasis after a URL (GitHub's rule): linkify-it already stops before a
 * trailing ".,;!?'", this adds ":", "*", "_" and "~".
 */
function sentenceAware(pattern: (re: Linkify["re"]) => RegExp) {
  return (text: string, pos: number, self: Linkify): number => {
    const re = pattern(self.re);
    re.lastIndex = pos;
    let length = re.exec(text)?.[0].length ?? 0;
    while (length > 0 && TRAILING_URL_PUNCTUATION.has(text.charAt(pos + length - 1))) length--;
    return length;
  };
}

// Bare links: http(s)://, mailto: and www. (GitHub's choice), not "readme.md" or bare addresses.
const web = { validate: sentenceAware((re) => re.get_http_validator()) };
markdown.linkify
  .set({ fuzzyLink: false, fuzzyEmail: false })
  .add("ftp:", null)
  .add("//", null)
  .add("http:", web)
  .add("https:", web)
  .add("www.", {
    // What follows "www." is what follows "//" in a protocol-relative URL.
    validate: sentenceAware((re) => re.get_relative_proto_validator()),
    normalize: (match) => {
      match.url = `https://${match.url}`;
    },
  });

/**
 * In chat, "> quoted\nmy answer" quotes one line and answers on the next:
 * a quote ends at the first line without ">" (CommonMark would continue a
 * quoted paragraph "lazily" onto it). This rule only ever answers the
 * blockquote's "does this line end you?" question (silent mode); it never
 * takes a line itself.
 */
const quoteEndsAtUnquotedLine: BlockRule = (state, startLine, _endLine, silent) => {
  if (!silent) return false;
  const start = state.bMarks[startLine] as number;
  const text = state.src.slice(
    start + (state.tShift[startLine] as number),
    state.eMarks[startLine],
  );
  return !text.startsWith(">");
};

markdown.block.ruler.before("blockquote", "quote_ends_at_unquoted_line", quoteEndsAtUnquotedLine, {
  alt: ["blockquote"],
});
markdown.inline.ruler.before("escape", "mention", mention);
markdown.inline.ruler.before("strikethrough", "tilde_run", tildeRun);
wrapRule(markdown.inline.ruler, "link", withTypedTarget);
wrapRule(markdown.block.ruler, "fence", withSlackEnding);
wrapRule(markdown.block.ruler, "blockquote", capped);
wrapRule(markdown.block.ruler, "list", capped);

/** A message body as markdown-it block tokens (inline content in each `inline` token's children). */
export function parse(body: string): Token[] {
  return markdown.parse(body, {});
}
