/**
 * CommonMark conformance of the message renderer, on the spec's own examples
 * (the `commonmark-spec` package, spec 0.31.2).
 *
 * Each example is parsed by our configured markdown-it and rendered by our
 * token-to-React renderer, then compared with the spec's HTML after
 * normalising what is policy, not parsing:
 *
 * - every line break shows: a soft break renders as <br>, like a hard one;
 * - our link attributes (class, rel, target) and classes are dropped, and so
 *   are link titles, which we never render;
 * - a fence's language is `data-language` (lowercased, plain names only), not
 *   `class="language-…"`, and its code loses the final newline;
 * - whitespace between block tags and how quotes are escaped in text.
 *
 * Links render with the URL policy left out (markdown-it's own URL encoding),
 * so that link parsing is checked on the spec's relative URLs too; the policy
 * itself (http(s) and mailto only) is tested in markdown.test.ts.
 *
 * Examples that use a construct outside the chat subset, found by parsing
 * them with markdown-it's CommonMark preset, or where one of our chat
 * extensions applies, are listed as excluded with the reason.
 */
import { createRequire } from "node:module";
import type { Token } from "markdown-it";
import MarkdownIt from "markdown-it";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { parse } from "./markdown/parse";
import { fragmentOf, type RenderContext, renderTokens } from "./markdown/render";

interface SpecExample {
  markdown: string;
  html: string;
  section: string;
  number: number;
}

const { tests } = createRequire(import.meta.url)("commonmark-spec") as { tests: SpecExample[] };
// The spec writes tabs as "→" (its own test runner substitutes them too).
const examples = tests.map((e) => ({
  ...e,
  markdown: e.markdown.replaceAll("→", "\t"),
  html: e.html.replaceAll("→", "\t"),
}));

// text_join would merge entity tokens into text, hiding that an example uses one.
const commonmark = new MarkdownIt("commonmark").disable("text_join");
const encoder = new MarkdownIt();

const context: RenderContext = {
  name: (userId) => userId,
  isMe: () => false,
  href: (destination) => encoder.normalizeLink(destination),
};

function* walk(tokens: Token[]): Generator<Token> {
  for (const token of tokens) {
    yield token;
    if (token.children) yield* walk(token.children);
  }
}

/** Why an example is out of scope, or undefined when it is in scope. */
function exclusion(example: SpecExample): string | undefined {
  const env: Record<string, unknown> = {};
  const reference = [...walk(commonmark.parse(example.markdown, env))];
  const has = (predicate: (token: Token) => boolean) => reference.some(predicate);
  if (has((t) => t.type === "html_block" || t.type === "html_inline")) return "raw HTML";
  if (has((t) => t.type === "image")) return "images";
  if (has((t) => t.type === "heading_open")) return "headings";
  if (has((t) => t.type === "hr")) return "thematic breaks";
  if (has((t) => t.type === "code_block")) return "indented code";
  if (Object.keys(env.references ?? {}).length > 0) return "link reference definitions";
  if (has((t) => t.type === "text_special" && t.info === "entity")) return "entity references";
  // A quote line continued "lazily": a line inside a quote with fewer ">" markers than its depth.
  const lines = example.markdown.split("\n");
  const markers = (line: string) =>
    (/^(?:\s*(?:>|[-*+]|\d{1,9}[.)])(?=\s|>|$))*/.exec(line)?.[0].match(/>/g) ?? []).length;
  let depth = 0;
  for (const token of reference) {
    if (token.type === "blockquote_close") depth--;
    if (token.type !== "blockquote_open") continue;
    depth++;
    const [first, end] = token.map ?? [0, 0];
    const level = depth;
    if (lines.slice(first + 1, end).some((line) => line.trim() !== "" && markers(line) < level))
      return "extension: a quote ends at the first unquoted line";
  }
  const ours = [...walk(parse(example.markdown))];
  if (ours.some((t) => t.markup === "linkify")) return "extension: bare URLs are linked";
  if (ours.some((t) => t.type === "s_open")) return "extension: ~~strikethrough~~";
  if (ours.some((t) => t.type === "fence" && t.meta?.slack)) return "extension: Slack's fences";
  const emptyLink = (t: Token, i: number) =>
    t.type === "link_open" && t.attrGet("href") !== "" && ours[i + 1]?.type === "link_close";
  if (ours.some(emptyLink)) {
    return "a link without text shows its destination";
  }
  return undefined;
}

const LANGUAGE = /^[\w+#.-]{1,32}$/;
const BLOCK_TAG = /^<\/?(?:p|blockquote|ul|ol|li|pre)[\s>]/;

/** Soft breaks in the spec's HTML as <br>, and the newlines between block tags dropped. */
function breaksAsChatShowsThem(html: string): string {
  const pieces = html.match(/<[^>]*>|[^<]+/g) ?? [];
  let inPre = false;
  return pieces
    .map((piece, i) => {
      if (piece.startsWith("<")) {
        if (/^<pre[\s>]/.test(piece)) inPre = true;
        if (piece === "</pre>") inPre = false;
        return piece;
      }
      if (inPre) return piece;
      let text = piece;
      if (BLOCK_TAG.test(pieces[i - 1] ?? "<p>") || pieces[i - 1] === "<br />") {
        text = text.replace(/^\n/, "");
      }
      if (BLOCK_TAG.test(pieces[i + 1] ?? "</p>")) text = text.replace(/\n$/, "");
      return text.replaceAll("\n", "<br />");
    })
    .join("");
}

function normaliseExpected(html: string): string {
  return breaksAsChatShowsThem(html)
    .replace(/<pre><code class="language-([^"]*)">/g, (_, info: string) => {
      const language = info.replaceAll("&amp;", "&").replaceAll("&quot;", '"');
      return LANGUAGE.test(language)
        ? `<pre data-language="${language.toLowerCase()}"><code>`
        : "<pre><code>";
    })
    .replace(/\n<\/code><\/pre>/g, "</code></pre>")
    .replace(/ title="[^"]*"/g, "");
}

function normaliseActual(html: string): string {
  return html.replace(/ (?:class|rel|target)="[^"]*"/g, "");
}

/** What both sides agree is the same HTML: one spelling of <br> and of quotes in text. */
function canonical(html: string): string {
  return html.replace(/<br\s*\/?>/g, "<br>").replaceAll("&#x27;", "'");
}

const render = (markdown: string) =>
  renderToStaticMarkup(fragmentOf(renderTokens(parse(markdown), context)));

const excluded = new Map<string, number[]>();
const inScope: SpecExample[] = [];
for (const example of examples) {
  const reason = exclusion(example);
  if (reason) excluded.set(reason, [...(excluded.get(reason) ?? []), example.number]);
  else inScope.push(example);
}

describe("CommonMark conformance", () => {
  it.each(inScope.map((e) => [e.number, e.section, e] as const))(
    "example %i (%s)",
    (_, __, example) => {
      expect(canonical(normaliseActual(render(example.markdown)))).toBe(
        canonical(normaliseExpected(example.html)),
      );
    },
  );

  // A change in markdown-it or in the subset that moves examples in or out shows here.
  it("has 371 of the spec's 652 examples in scope, and a reason for each of the others", () => {
    const counts = Object.fromEntries([...excluded].map(([reason, list]) => [reason, list.length]));
    expect(examples).toHaveLength(652);
    expect(inScope).toHaveLength(371);
    expect(counts).toEqual({
      "raw HTML": 72,
      "link reference definitions": 61,
      "indented code": 41,
      headings: 40,
      "thematic breaks": 24,
      images: 22,
      "entity references": 8,
      "extension: bare URLs are linked": 3,
      "extension: Slack's fences": 1,
      "extension: a quote ends at the first unquoted line": 8,
      "a link without text shows its destination": 1,
    });
  });
});
