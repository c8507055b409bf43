/**
 * The safe Markdown subset of chat messages, parsed by hand into React elements.
 *
 * Nothing here produces an HTML string: a body becomes React elements and text,
 * so markup typed into a message is shown, never interpreted. Links are limited
 * to http(s) and mailto URLs checked with the URL parser; mentions (`<@uuid>`)
 * show a name from the caller and never the raw token. Parsing takes time in
 * proportion to the body's length (hand-written scanners, no backtracking
 * regexes) and nesting is capped, so a hostile body costs what a friendly one
 * does and cannot exhaust the stack.
 */
import { Fragment, type ReactNode } from "react";

export interface MessageRenderOptions {
  /** The display name of a mentioned user (ids arrive lowercased), or undefined when unknown. */
  resolveMention: (userId: string) => string | undefined;
  /** Mentions of this user are marked with the "mention-me" class. */
  currentUserId?: string;
}

/** Quotes and lists nested deeper than this stay text: it bounds recursion. */
const MAX_BLOCK_DEPTH = 8;
/** Emphasis nested deeper than this keeps its text but loses its elements. */
const MAX_INLINE_DEPTH = 16;
const MAX_URL_LENGTH = 2048;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const MENTION_AT = new RegExp(`<@(${UUID})>`, "iy");
const MENTIONS = new RegExp(`<@(${UUID})>`, "gi");
const MENTION_LENGTH = 39;

const TAB = 9;
const NEWLINE = 10;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const STAR = 42;
const DASH = 45;
const DOT = 46;
const LT = 60;
const GT = 62;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const UNDERSCORE = 95;
const BACKTICK = 96;
const TILDE = 126;

const WHITESPACE = /\s/u;
const PUNCTUATION = /[\p{P}\p{S}]/u;
/** Control, format (bidi overrides, zero-width), unassigned and separator characters, and backslashes. */
const UNSAFE_URL_CHARACTER = /[\p{C}\p{Z}\\]/u;
const ALLOWED_URL_PREFIX = /^(?:https?:\/\/|mailto:)/i;
const SCHEME_PREFIX = /^[a-z][a-z0-9+.-]{1,31}:/i;
const LANGUAGE = /^[\w+#.-]{1,32}$/;
const ESCAPED_PUNCTUATION = /\\([!-/:-@[-`{-~])/g;
/** Characters that end a bare URL when they trail it, like the period closing a sentence. */
const TRAILING_URL_PUNCTUATION = new Set([".", ",", "!", "?", ":", ";", "'", "*", "_", "~"]);

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAsciiAlphanumeric = (c: number) =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiPunctuation = (c: number) =>
  (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
const isSpaceOrTab = (c: number) => c === SPACE || c === TAB;

/** Whether a URL ends before this character: whitespace, controls, and what cannot appear unescaped. */
function endsUrl(c: number): boolean {
  if (c <= SPACE || c === 127 || c === LT || c === GT || c === DOUBLE_QUOTE || c === BACKTICK) {
    return true;
  }
  return c >= 0x80 && WHITESPACE.test(String.fromCharCode(c));
}

/**
 * The href for a link target, or null when it is not a plain http(s) or mailto
 * URL. The scheme must be spelled out literally at the start, so entity- or
 * percent-encoded schemes, relative and protocol-relative URLs all fail, and any
 * control, invisible or whitespace character rejects the whole URL instead of
 * being silently dropped by the URL parser ("java\tscript:").
 */
function safeHref(raw: string): string | null {
  if (raw.length > MAX_URL_LENGTH || UNSAFE_URL_CHARACTER.test(raw)) return null;
  if (!ALLOWED_URL_PREFIX.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol === "http:" || url.protocol === "https:") return url.hostname ? url.href : null;
  if (url.protocol === "mailto:") return url.pathname ? url.href : null;
  return null;
}

function mentionAt(s: string, i: number, end: number): string | null {
  if (i + MENTION_LENGTH > end) return null;
  MENTION_AT.lastIndex = i;
  return MENTION_AT.exec(s)?.[1]?.toLowerCase() ?? null;
}

// Blocks ---------------------------------------------------------------------

type Block =
  | { kind: "paragraph"; text: string }
  | { kind: "code"; language: string | undefined; text: string }
  | { kind: "quote"; children: Block[] }
  | { kind: "list"; ordered: boolean; start: number; tight: boolean; items: Block[][] };

function toLines(body: string): string[] {
  return body
    .replaceAll("\r\n", "\n")
    .replaceAll("\r", "\n")
    .replaceAll("\0", "\uFFFD")
    .split("\n");
}

const isBlank = (line: string) => line.trim() === "";

/** Leading whitespace in columns, a tab reaching the next multiple of four. */
function indentOf(line: string): number {
  let column = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === SPACE) column++;
    else if (c === TAB) column += 4 - (column % 4);
    else break;
  }
  return column;
}

/** The line without up to `columns` columns of leading whitespace. */
function dedent(line: string, columns: number): string {
  let column = 0;
  let i = 0;
  while (i < line.length && column < columns) {
    const c = line.charCodeAt(i);
    if (c === SPACE) column++;
    else if (c === TAB) column += 4 - (column % 4);
    else break;
    i++;
  }
  return line.slice(i);
}

function leadingSpaces(line: string): number {
  let p = 0;
  while (p < 3 && line.charCodeAt(p) === SPACE) p++;
  return p;
}

interface Fence {
  indent: number;
  marker: number;
  length: number;
  info: string;
}

function fenceAt(line: string): Fence | null {
  const indent = leadingSpaces(line);
  const marker = line.charCodeAt(indent);
  if (marker !== BACKTICK && marker !== TILDE) return null;
  let q = indent;
  while (line.charCodeAt(q) === marker) q++;
  if (q - indent < 3) return null;
  const info = line.slice(q).trim();
  // A backtick fence's info string cannot hold backticks: "```x```" is inline code.
  if (marker === BACKTICK && info.includes("`")) return null;
  return { indent, marker, length: q - indent, info };
}

function languageOf(info: string): string | undefined {
  const word = info.split(/[ \t]/, 1)[0] ?? "";
  return LANGUAGE.test(word) ? word.toLowerCase() : undefined;
}

interface ListMarker {
  indent: number;
  ordered: boolean;
  start: number;
  contentIndent: number;
  content: string;
}

/** "- item", "* item", "1. item" or "1) item" at the start of a line, with some content. */
function listMarkerAt(line: string): ListMarker | null {
  const indent = leadingSpaces(line);
  const c = line.charCodeAt(indent);
  let q = indent;
  let ordered = false;
  let start = 1;
  if (c === DASH || c === STAR) {
    q++;
  } else {
    while (q < indent + 9 && isDigit(line.charCodeAt(q))) q++;
    const after = line.charCodeAt(q);
    if (q === indent || (after !== DOT && after !== CLOSE_PAREN)) return null;
    ordered = true;
    start = Number(line.slice(indent, q));
    q++;
  }
  if (q < line.length && !isSpaceOrTab(line.charCodeAt(q))) return null;
  let r = q;
  while (r < line.length && isSpaceOrTab(line.charCodeAt(r))) r++;
  // A lone "-" or "1." is a reply, not an empty list.
  if (r === line.length) return null;
  return { indent, ordered, start, contentIndent: q + 1, content: line.slice(r) };
}

/** The rest of a "> quoted" line, or null when the line is not quoted. */
function quoteContent(line: string): string | null {
  let p = leadingSpaces(line);
  if (line.charCodeAt(p) !== GT) return null;
  p++;
  if (isSpaceOrTab(line.charCodeAt(p))) p++;
  return line.slice(p);
}

/** Whether a line starts a new block instead of continuing a paragraph. */
function interruptsParagraph(line: string, depth: number): boolean {
  if (fenceAt(line)) return true;
  if (depth >= MAX_BLOCK_DEPTH) return false;
  if (quoteContent(line) !== null) return true;
  const marker = listMarkerAt(line);
  // As in CommonMark, "2024. was a year" inside a sentence does not start a list.
  return marker !== null && (!marker.ordered || marker.start === 1);
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  // Per fence character, the shortest fence known to have no closing line below: see parseFence.
  const unclosed = new Map<number, number>();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = fenceAt(line);
    if (fence) {
      i = parseFence(lines, i, fence, blocks, unclosed);
      continue;
    }
    if (depth < MAX_BLOCK_DEPTH) {
      if (quoteContent(line) !== null) {
        const inner: string[] = [];
        while (i < lines.length) {
          const content = quoteContent(lines[i] ?? "");
          if (content === null) break;
          inner.push(content);
          i++;
        }
        blocks.push({ kind: "quote", children: parseBlocks(inner, depth + 1) });
        continue;
      }
      const marker = listMarkerAt(line);
      if (marker) {
        i = parseList(lines, i, depth, marker, blocks);
        continue;
      }
    }
    const paragraph = [line];
    i++;
    while (i < lines.length) {
      const next = lines[i] ?? "";
      if (isBlank(next) || interruptsParagraph(next, depth)) break;
      paragraph.push(next);
      i++;
    }
    blocks.push({ kind: "paragraph", text: paragraph.join("\n") });
  }
  return blocks;
}

/**
 * A fenced code block. It ends at a closing fence line (GitHub); failing that,
 * at the first line that ends with the fence (Slack's "```code\nmore```", where
 * the opening line holds code, not a language); failing that, at the end.
 * `unclosed` remembers a search for a closing line that reached the end, so
 * many Slack-style fences in one body do not each search to the end again.
 */
function parseFence(
  lines: string[],
  open: number,
  fence: Fence,
  out: Block[],
  unclosed: Map<number, number>,
): number {
  const closer = String.fromCharCode(fence.marker).repeat(fence.length);
  const closable = (unclosed.get(fence.marker) ?? Number.POSITIVE_INFINITY) > fence.length;
  let slackEnd = -1;
  for (let i = open + 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const close = closable ? fenceAt(line) : null;
    if (close && close.marker === fence.marker && close.length >= fence.length && !close.info) {
      const text = lines
        .slice(open + 1, i)
        .map((l) => dedent(l, fence.indent))
        .join("\n");
      out.push({ kind: "code", language: languageOf(fence.info), text });
      return i + 1;
    }
    if (slackEnd === -1 && line.trimEnd().endsWith(closer)) {
      slackEnd = i;
      if (!closable) break;
    }
  }
  if (closable) unclosed.set(fence.marker, fence.length);
  if (slackEnd !== -1) {
    const content = lines.slice(open + 1, slackEnd + 1);
    const last = (content.pop() ?? "").trimEnd();
    content.push(last.slice(0, last.length - closer.length));
    if (fence.info) content.unshift(fence.info);
    out.push({ kind: "code", language: undefined, text: content.join("\n") });
    return slackEnd + 1;
  }
  const text = lines
    .slice(open + 1)
    .map((l) => dedent(l, fence.indent))
    .join("\n");
  out.push({ kind: "code", language: languageOf(fence.info), text });
  return lines.length;
}

/**
 * A list starting at `lines[start]`. Items at the first item's indentation are
 * siblings; lines indented two or more columns deeper belong to the current item
 * (so nested lists work with two spaces). A blank line continues the list only
 * when a sibling or an indented continuation follows, and makes it loose.
 */
function parseList(
  lines: string[],
  start: number,
  depth: number,
  first: ListMarker,
  out: Block[],
): number {
  const nested = first.indent + 2;
  const items: string[][] = [];
  let item = [first.content];
  let contentIndent = first.contentIndent;
  let tight = true;
  let i = start + 1;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (isBlank(line)) {
      let k = i + 1;
      while (k < lines.length && isBlank(lines[k] ?? "")) k++;
      const next = lines[k];
      if (next === undefined) break;
      const marker = indentOf(next) < nested ? listMarkerAt(next) : null;
      if (marker) {
        if (marker.ordered !== first.ordered) break;
      } else if (indentOf(next) < nested) {
        break;
      } else {
        for (let b = i; b < k; b++) item.push("");
      }
      tight = false;
      i = k;
      continue;
    }
    const indent = indentOf(line);
    if (indent < nested) {
      const marker = listMarkerAt(line);
      if (!marker || marker.ordered !== first.ordered) break;
      items.push(item);
      item = [marker.content];
      contentIndent = marker.contentIndent;
    } else {
      item.push(dedent(line, contentIndent));
    }
    i++;
  }
  items.push(item);
  out.push({
    kind: "list",
    ordered: first.ordered,
    start: first.start,
    tight,
    items: items.map((itemLines) => parseBlocks(itemLines, depth + 1)),
  });
  return i;
}

// Inlines --------------------------------------------------------------------

type InlineKind =
  | "text"
  | "break"
  | "code"
  | "mention"
  | "link"
  | "rejected"
  | "strong"
  | "em"
  | "del";

/**
 * A node in a doubly linked list, so that wrapping a run of nodes in emphasis
 * is a constant-time splice. `value` is the text, the code, the mentioned id,
 * the href, or (for a rejected link) the literal "](target)" that follows its text.
 */
interface Inline {
  kind: InlineKind;
  value: string;
  first: Inline | null;
  prev: Inline | null;
  next: Inline | null;
}

const inline = (kind: InlineKind, value = "", first: Inline | null = null): Inline => ({
  kind,
  value,
  first,
  prev: null,
  next: null,
});

/** A run of `*`, `_` or `~~` that may open or close emphasis (CommonMark's delimiter run). */
interface Delimiter {
  node: Inline;
  char: number;
  count: number;
  length: number;
  canOpen: boolean;
  canClose: boolean;
  position: number;
  prev: Delimiter | null;
  next: Delimiter | null;
}

/**
 * The starts of backtick runs by length, so finding a code span's closing run
 * never rescans the text: each length keeps a cursor that only moves forward.
 */
class BacktickRuns {
  private readonly runs = new Map<number, { starts: number[]; cursor: number }>();

  constructor(s: string, start: number, end: number) {
    let i = s.indexOf("`", start);
    while (i !== -1 && i < end) {
      let j = i;
      while (j < end && s.charCodeAt(j) === BACKTICK) j++;
      const entry = this.runs.get(j - i);
      if (entry) entry.starts.push(i);
      else this.runs.set(j - i, { starts: [i], cursor: 0 });
      i = s.indexOf("`", j);
    }
  }

  /** The first run of exactly `length` backticks starting at or after `from` (non-decreasing across calls), or -1. */
  find(length: number, from: number): number {
    const entry = this.runs.get(length);
    if (!entry) return -1;
    while (entry.cursor < entry.starts.length && (entry.starts[entry.cursor] ?? from) < from) {
      entry.cursor++;
    }
    return entry.starts[entry.cursor] ?? -1;
  }
}

function codePointBefore(s: string, i: number, start: number): string {
  if (i <= start) return " ";
  const low = s.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i - 2 >= start) return s.slice(i - 2, i);
  return s.charAt(i - 1);
}

function codePointAt(s: string, i: number, end: number): string {
  if (i >= end) return " ";
  return String.fromCodePoint(s.codePointAt(i) ?? SPACE);
}

/** Code span content as CommonMark has it: newlines become spaces, one padding space is dropped. */
function codeSpanContent(raw: string): string {
  const text = raw.replaceAll("\n", " ");
  if (text.length >= 2 && text.startsWith(" ") && text.endsWith(" ") && text.trim() !== "") {
    return text.slice(1, -1);
  }
  return text;
}

function isUrlStart(c: number): boolean {
  // h(ttp), m(ailto), w(ww), in either case.
  return c === 104 || c === 72 || c === 109 || c === 77 || c === 119 || c === 87;
}

/** A bare URL at `i`: where it ends and its href (null when it is not a valid URL), or null. */
function bareUrlAt(s: string, i: number, end: number): { to: number; href: string | null } | null {
  const head = s.slice(i, i + 8).toLowerCase();
  let prefix: number;
  if (head.startsWith("https://")) prefix = 8;
  else if (head.startsWith("http://") || head.startsWith("mailto:")) prefix = 7;
  else if (head.startsWith("www.")) prefix = 4;
  else return null;
  let j = i + prefix;
  let opens = 0;
  let closes = 0;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (endsUrl(c)) break;
    if (c === OPEN_PAREN) opens++;
    else if (c === CLOSE_PAREN) closes++;
    j++;
  }
  while (j > i + prefix) {
    const c = s.charCodeAt(j - 1);
    if (TRAILING_URL_PUNCTUATION.has(s.charAt(j - 1))) {
      j--;
    } else if (c === CLOSE_PAREN && closes > opens) {
      closes--;
      j--;
    } else {
      break;
    }
  }
  if (j === i + prefix) return null;
  const raw = s.slice(i, j);
  if (prefix === 4) return { to: j, href: safeHref(`https://${raw}`) };
  if (head.startsWith("mailto:") && !raw.includes("@")) return { to: j, href: null };
  return { to: j, href: safeHref(raw) };
}

/** `<scheme:...>`: where it ends and its href (null when not allowed), or null when it is not one. */
function angleLinkAt(
  s: string,
  i: number,
  end: number,
): { to: number; href: string | null } | null {
  let j = i + 1;
  while (j < end && j - i <= MAX_URL_LENGTH && !endsUrl(s.charCodeAt(j))) j++;
  if (j >= end || s.charCodeAt(j) !== GT) return null;
  const raw = s.slice(i + 1, j);
  if (!SCHEME_PREFIX.test(raw)) return null;
  return { to: j + 1, href: safeHref(raw) };
}

/**
 * Inline content of `s` between `start` and `end`, as the first node of a list.
 * One left-to-right pass makes nodes; code spans, mentions and links are atomic,
 * emphasis delimiters are resolved afterwards by CommonMark's delimiter
 * algorithm, whose "openers bottom" keeps it linear. Link text is parsed again
 * with `links` off, so links never nest.
 */
function parseInline(s: string, start: number, end: number, links: boolean): Inline | null {
  const head = inline("text");
  let tail = head;
  let buffer = "";
  // The delimiter stack, bottom to top.
  const stack: { bottom: Delimiter | null; top: Delimiter | null } = { bottom: null, top: null };
  let position = 0;
  const ticks = new BacktickRuns(s, start, end);

  const attach = (node: Inline) => {
    tail.next = node;
    node.prev = tail;
    tail = node;
  };
  const flush = () => {
    if (buffer !== "") attach(inline("text", buffer));
    buffer = "";
  };
  const append = (node: Inline) => {
    flush();
    attach(node);
  };

  const isSpecial = (c: number, prev: number) =>
    c === BACKSLASH ||
    c === NEWLINE ||
    c === BACKTICK ||
    c === LT ||
    c === OPEN_BRACKET ||
    c === STAR ||
    c === UNDERSCORE ||
    c === TILDE ||
    (links && isUrlStart(c) && !isAsciiAlphanumeric(prev));

  /** `[text](target)` at `i`: the index after it, or -1 when there is none. */
  const explicitLink = (i: number): number => {
    let j = i + 1;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === BACKSLASH) j += 2;
      else if (c === CLOSE_BRACKET || c === OPEN_BRACKET) break;
      else j++;
    }
    if (j >= end || s.charCodeAt(j) !== CLOSE_BRACKET || s.charCodeAt(j + 1) !== OPEN_PAREN) {
      return -1;
    }
    let k = j + 2;
    while (k < end && isSpaceOrTab(s.charCodeAt(k))) k++;
    const targetStart = k;
    let depth = 0;
    while (k < end && k - targetStart <= MAX_URL_LENGTH) {
      const c = s.charCodeAt(k);
      if (endsUrl(c) || c === OPEN_BRACKET || c === CLOSE_BRACKET) break;
      if (c === OPEN_PAREN) depth++;
      else if (c === CLOSE_PAREN) {
        if (depth === 0) break;
        depth--;
      }
      k++;
    }
    const target = s.slice(targetStart, k).replace(ESCAPED_PUNCTUATION, "$1");
    while (k < end && isSpaceOrTab(s.charCodeAt(k))) k++;
    if (k >= end || s.charCodeAt(k) !== CLOSE_PAREN) return -1;
    const text = parseInline(s, i + 1, j, false);
    const href = target ? safeHref(target) : null;
    if (href) append(inline("link", href, text ?? inline("text", target)));
    else append(inline("rejected", `](${s.slice(j + 2, k)})`, text));
    return k + 1;
  };

  const delimiterRun = (i: number, c: number): number => {
    let j = i;
    while (j < end && s.charCodeAt(j) === c) j++;
    const run = s.slice(i, j);
    if (c === TILDE && j - i !== 2) {
      buffer += run;
      return j;
    }
    const before = codePointBefore(s, i, start);
    const after = codePointAt(s, j, end);
    const spaceBefore = WHITESPACE.test(before);
    const spaceAfter = WHITESPACE.test(after);
    const punctuationBefore = PUNCTUATION.test(before);
    const punctuationAfter = PUNCTUATION.test(after);
    const leftFlanking = !spaceAfter && (!punctuationAfter || spaceBefore || punctuationBefore);
    const rightFlanking = !spaceBefore && (!punctuationBefore || spaceAfter || punctuationAfter);
    // `_` never opens or closes inside a word, so snake_case_names stay as typed.
    const canOpen =
      c === UNDERSCORE ? leftFlanking && (!rightFlanking || punctuationBefore) : leftFlanking;
    const canClose =
      c === UNDERSCORE ? rightFlanking && (!leftFlanking || punctuationAfter) : rightFlanking;
    if (!canOpen && !canClose) {
      buffer += run;
      return j;
    }
    const node = inline("text", run);
    append(node);
    const delimiter: Delimiter = {
      node,
      char: c,
      count: j - i,
      length: j - i,
      canOpen,
      canClose,
      position: position++,
      prev: stack.top,
      next: null,
    };
    if (stack.top) stack.top.next = delimiter;
    else stack.bottom = delimiter;
    stack.top = delimiter;
    return j;
  };

  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) {
      const n = i + 1 < end ? s.charCodeAt(i + 1) : Number.NaN;
      if (n === NEWLINE) {
        i++; // CommonMark's backslash line break: the newline below is the break.
      } else if (isAsciiPunctuation(n) && !(n === LT && mentionAt(s, i + 1, end))) {
        buffer += s.charAt(i + 1);
        i += 2;
      } else {
        buffer += "\\";
        i++;
      }
    } else if (c === NEWLINE) {
      append(inline("break"));
      i++;
    } else if (c === BACKTICK) {
      let j = i;
      while (j < end && s.charCodeAt(j) === BACKTICK) j++;
      const close = ticks.find(j - i, j);
      if (close === -1) {
        buffer += s.slice(i, j);
        i = j;
      } else {
        append(inline("code", codeSpanContent(s.slice(j, close))));
        i = close + (j - i);
      }
    } else if (c === LT) {
      const id = mentionAt(s, i, end);
      const angle = id === null && links ? angleLinkAt(s, i, end) : null;
      if (id !== null) {
        append(inline("mention", id));
        i += MENTION_LENGTH;
      } else if (angle?.href) {
        append(inline("link", angle.href, inline("text", s.slice(i + 1, angle.to - 1))));
        i = angle.to;
      } else if (angle) {
        buffer += s.slice(i, angle.to);
        i = angle.to;
      } else {
        buffer += "<";
        i++;
      }
    } else if (c === OPEN_BRACKET && links) {
      const to = explicitLink(i);
      if (to === -1) {
        buffer += "[";
        i++;
      } else {
        i = to;
      }
    } else if (c === STAR || c === UNDERSCORE || c === TILDE) {
      i = delimiterRun(i, c);
    } else {
      const url = isSpecial(c, i > start ? s.charCodeAt(i - 1) : SPACE)
        ? bareUrlAt(s, i, end)
        : null;
      if (url?.href) {
        append(inline("link", url.href, inline("text", s.slice(i, url.to))));
        i = url.to;
      } else if (url) {
        // Not a valid URL: shown as typed, and not searched again for another one.
        buffer += s.slice(i, url.to);
        i = url.to;
      } else {
        let j = i + 1;
        while (j < end && !isSpecial(s.charCodeAt(j), s.charCodeAt(j - 1))) j++;
        buffer += s.slice(i, j);
        i = j;
      }
    }
  }
  flush();

  const removeDelimiter = (d: Delimiter) => {
    if (d.prev) d.prev.next = d.next;
    else stack.bottom = d.next;
    if (d.next) d.next.prev = d.prev;
    else stack.top = d.prev;
  };
  const unlink = (node: Inline) => {
    if (node.prev) node.prev.next = node.next;
    if (node.next) node.next.prev = node.prev;
  };

  // CommonMark's process_emphasis. The lowest opener position worth searching is
  // remembered per kind of closer, so no opener is searched twice in vain.
  const openersBottom = new Map<string, number>();
  let closer: Delimiter | null = stack.bottom;
  while (closer) {
    if (!closer.canClose) {
      closer = closer.next;
      continue;
    }
    const key =
      closer.char === TILDE ? "~" : `${closer.char}:${closer.canOpen ? 1 : 0}:${closer.length % 3}`;
    const floor = openersBottom.get(key) ?? -1;
    let opener: Delimiter | null = closer.prev;
    while (opener && opener.position > floor) {
      if (opener.char === closer.char && opener.canOpen) {
        const oddMatch =
          closer.char !== TILDE &&
          (closer.canOpen || opener.canClose) &&
          closer.length % 3 !== 0 &&
          (opener.length + closer.length) % 3 === 0;
        if (!oddMatch) break;
      }
      opener = opener.prev;
    }
    if (opener && opener.position > floor) {
      const use = closer.char === TILDE || (closer.count >= 2 && opener.count >= 2) ? 2 : 1;
      opener.count -= use;
      closer.count -= use;
      opener.node.value = opener.node.value.slice(0, opener.count);
      closer.node.value = closer.node.value.slice(0, closer.count);
      const wrapper = inline(closer.char === TILDE ? "del" : use === 2 ? "strong" : "em");
      const from = opener.node;
      const to = closer.node;
      if (from.next && from.next !== to && to.prev) {
        wrapper.first = from.next;
        from.next.prev = null;
        to.prev.next = null;
      }
      from.next = wrapper;
      wrapper.prev = from;
      wrapper.next = to;
      to.prev = wrapper;
      // Delimiters between the two are inside the wrapper now and stay text.
      opener.next = closer;
      closer.prev = opener;
      if (opener.count === 0) {
        unlink(from);
        removeDelimiter(opener);
      }
      if (closer.count === 0) {
        const next: Delimiter | null = closer.next;
        unlink(to);
        removeDelimiter(closer);
        closer = next;
      }
    } else {
      openersBottom.set(key, closer.prev?.position ?? -1);
      const next: Delimiter | null = closer.next;
      if (!closer.canOpen) removeDelimiter(closer);
      closer = next;
    }
  }

  const first = head.next;
  if (first) first.prev = null;
  return first;
}

// Output ---------------------------------------------------------------------

interface Context {
  name: (userId: string) => string;
  isMe: (userId: string) => boolean;
}

function contextOf(resolveMention: (userId: string) => string | undefined, me?: string): Context {
  const current = me?.toLowerCase();
  return {
    name: (userId) => resolveMention(userId)?.trim() || "unknown",
    isMe: (userId) => userId === current,
  };
}

/** Code stays literal, except that a mention shows as "@Name": the raw token is never shown. */
function codeText(text: string, context: Context): string {
  return text.replace(MENTIONS, (_, id: string) => `@${context.name(id.toLowerCase())}`);
}

function renderInlines(first: Inline | null, context: Context, depth: number): ReactNode[] {
  const out: ReactNode[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") out.push(text);
    text = "";
  };
  const visit = (start: Inline | null) => {
    for (let node = start; node; node = node.next) {
      if (node.kind === "text") {
        text += node.value;
        continue;
      }
      if (node.kind === "rejected") {
        text += "[";
        visit(node.first);
        text += node.value;
        continue;
      }
      if (
        (node.kind === "strong" || node.kind === "em" || node.kind === "del") &&
        depth >= MAX_INLINE_DEPTH
      ) {
        visit(node.first);
        continue;
      }
      flush();
      out.push(renderInline(node, out.length, context, depth));
    }
  };
  visit(first);
  flush();
  return out;
}

function renderInline(node: Inline, key: number, context: Context, depth: number): ReactNode {
  switch (node.kind) {
    case "break":
      return <br key={key} />;
    case "code":
      return (
        <code key={key} className="md-code">
          {codeText(node.value, context)}
        </code>
      );
    case "mention": {
      const me = context.isMe(node.value);
      return (
        <span key={key} className={me ? "mention mention-me" : "mention"}>
          {`@${context.name(node.value)}`}
        </span>
      );
    }
    case "link":
      return (
        <a
          key={key}
          className="md-link"
          href={node.value}
          rel="noopener noreferrer nofollow"
          target="_blank"
        >
          {renderInlines(node.first, context, depth + 1)}
        </a>
      );
    case "strong":
      return <strong key={key}>{renderInlines(node.first, context, depth + 1)}</strong>;
    case "em":
      return <em key={key}>{renderInlines(node.first, context, depth + 1)}</em>;
    default:
      return <del key={key}>{renderInlines(node.first, context, depth + 1)}</del>;
  }
}

function renderBlocks(blocks: Block[], context: Context, tight: boolean): ReactNode[] {
  const out: ReactNode[] = [];
  for (const block of blocks) out.push(renderBlock(block, out.length, context, tight));
  return out;
}

function renderBlock(block: Block, key: number, context: Context, tight: boolean): ReactNode {
  switch (block.kind) {
    case "paragraph": {
      const content = renderInlines(
        parseInline(block.text, 0, block.text.length, true),
        context,
        0,
      );
      // A tight list item shows its text without a paragraph around it.
      return tight ? <Fragment key={key}>{content}</Fragment> : <p key={key}>{content}</p>;
    }
    case "code":
      return (
        <pre key={key} className="md-pre" data-language={block.language}>
          <code>{codeText(block.text, context)}</code>
        </pre>
      );
    case "quote":
      return (
        <blockquote key={key} className="md-quote">
          {renderBlocks(block.children, context, false)}
        </blockquote>
      );
    case "list": {
      const items: ReactNode[] = [];
      for (const item of block.items) {
        items.push(<li key={items.length}>{renderBlocks(item, context, block.tight)}</li>);
      }
      return block.ordered ? (
        <ol key={key} className="md-list" start={block.start === 1 ? undefined : block.start}>
          {items}
        </ol>
      ) : (
        <ul key={key} className="md-list">
          {items}
        </ul>
      );
    }
  }
}

/**
 * A message body as React elements: paragraphs, quotes, lists, code, emphasis,
 * safe links and resolved mentions. Never throws on any body; an empty body
 * renders nothing.
 */
export function renderMessage(body: string, options: MessageRenderOptions): ReactNode {
  const blocks = parseBlocks(toLines(body), 0);
  if (blocks.length === 0) return null;
  return (
    <>{renderBlocks(blocks, contextOf(options.resolveMention, options.currentUserId), false)}</>
  );
}

function inlineText(first: Inline | null, context: Context): string {
  let out = "";
  for (let node = first; node; node = node.next) {
    switch (node.kind) {
      case "text":
        out += node.value;
        break;
      case "break":
        out += "\n";
        break;
      case "code":
        out += codeText(node.value, context);
        break;
      case "mention":
        out += `@${context.name(node.value)}`;
        break;
      case "rejected":
        out += `[${inlineText(node.first, context)}${node.value}`;
        break;
      default:
        out += inlineText(node.first, context);
    }
  }
  return out;
}

function blockText(block: Block, context: Context): string {
  switch (block.kind) {
    case "paragraph":
      return inlineText(parseInline(block.text, 0, block.text.length, true), context);
    case "code":
      return codeText(block.text, context);
    case "quote":
      return blocksText(block.children, context);
    case "list":
      return block.items.map((item) => blocksText(item, context)).join("\n");
  }
}

function blocksText(blocks: Block[], context: Context): string {
  return blocks.map((block) => blockText(block, context)).join("\n");
}

/**
 * A body as plain text for previews, notifications and live-region
 * announcements: no markup, mentions as "@Name", links as their text, blocks
 * and line breaks as newlines.
 */
export function plainText(
  body: string,
  resolveMention: (userId: string) => string | undefined,
): string {
  return blocksText(parseBlocks(toLines(body), 0), contextOf(resolveMention));
}

/** The users a body mentions, lowercased, each once, in order of first mention (code included, as the server counts them). */
export function mentionsIn(body: string): string[] {
  const ids = new Set<string>();
  for (const match of body.matchAll(MENTIONS)) {
    if (match[1]) ids.add(match[1].toLowerCase());
  }
  return [...ids];
}
