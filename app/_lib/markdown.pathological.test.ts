/**
 * Hostile bodies cost what friendly ones do: rendering time grows linearly
 * with the body's length, and nothing throws (no stack overflow).
 *
 * Checked by growth, not absolute time, so a slow or busy machine does not
 * fail it: each body is rendered at about n and 2n characters, and the time
 * must grow by less than 3× (linear is 2×, quadratic 4×), as the median of
 * seven ratios of samples long enough to measure. Bodies are capped at 4,000
 * characters by the API; these are 8,000 and 16,000, to show the renderer
 * does not fall over above the cap either.
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { plainText, renderMessage } from "./markdown";

const ADA = "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const resolveMention = (userId: string) => (userId === ADA ? "Ada" : undefined);

const N = 8_000;
const MAX_GROWTH = 3;

/** `unit` repeated to about `n` characters. */
const times = (unit: string, n: number) => unit.repeat(Math.max(1, Math.round(n / unit.length)));

/** Lines of backticks, each one shorter than the last, about `n` characters in all. */
function decreasingFences(n: number): string {
  let longest = 3;
  while (((longest + 4) * (longest - 2)) / 2 < n) longest++;
  const lines: string[] = [];
  for (let k = longest; k >= 3; k--) lines.push("`".repeat(k));
  return lines.join("\n");
}

/** Runs of 1, 2, 3… backticks separated by a letter: no run has a partner. */
function backtickRuns(n: number): string {
  const runs: string[] = [];
  let length = 0;
  for (let k = 1; length < n; k++) {
    runs.push("`".repeat(k));
    length += k + 1;
  }
  return runs.join("a");
}

/** Each line indented two more columns than the one before, each a list item. */
function listLadder(n: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < n; i++) {
    const line = `${" ".repeat((i % 200) * 2)}- a`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n");
}

const bodies: [string, (n: number) => string][] = [
  ["deep emphasis", (n) => `${"*".repeat(n / 2)}a${"*".repeat(n / 2)}`],
  ["deep strong and emphasis", (n) => `${times("*a **a ", n / 2)}b${times(" a** a*", n / 2)}`],
  ["deep emphasis around code", (n) => `${times("*`a` ", n / 2)}b${times(" `a`*", n / 2)}`],
  ["emphasis closers without openers", (n) => times("a_ ", n)],
  ["mismatched openers and closers", (n) => times("*a_ ", n)],
  ["openers and closers, multiple of 3", (n) => `a**b${times("c* ", n)}`],
  ["long run of underscores", (n) => "_".repeat(n)],
  ["intraword underscores", (n) => times("a_", n)],
  ["tildes", (n) => times("~~a~", n)],
  ["nested brackets", (n) => `${"[".repeat(n / 2)}a${"]".repeat(n / 2)}`],
  ["link openers without closers", (n) => times("[a", n)],
  ["link closers without openers", (n) => times("a]", n)],
  ["link openers and emphasis closers", (n) => times("[ a_", n)],
  ["unclosed link targets", (n) => times("[a](b", n)],
  ["unclosed pointy link targets", (n) => times("[a](<b", n)],
  ["link reference-like lines", (n) => times("[a]: https://a.com 'x'\n", n)],
  ["nested parentheses in a target", (n) => `[a](https://a.com/${"(".repeat(n)}`],
  ["closing parentheses after a URL", (n) => `https://a.com/${")".repeat(n)}`],
  ["many URLs", (n) => times("https://a.com/x_(y) ", n)],
  ["www. runs", (n) => times("www.", n)],
  ["nested block quotes", (n) => `${">".repeat(n)} a`],
  ["quoted lines", (n) => times("> a\n", n)],
  ["nested lists", (n) => `${times("- ", n)}a`],
  ["list ladder", listLadder],
  ["loose list", (n) => times("- a\n\n", n)],
  ["fences of decreasing length", decreasingFences],
  ["unclosed fences", (n) => times("```a\nb\n", n)],
  ["Slack fences", (n) => times("```a\nb```\n", n)],
  ["many backticks", (n) => "`".repeat(n)],
  ["backtick runs of every length", backtickRuns],
  ["unmatched code spans", (n) => times("`a``", n)],
  ["<@ runs", (n) => times("<@", n)],
  ["near-miss mentions", (n) => times(`<@${ADA}`, n)],
  ["mentions", (n) => times(`<@${ADA}> `, n)],
  ["angle brackets", (n) => times("<a", n)],
  ["backslashes", (n) => "\\".repeat(n)],
  ["short lines", (n) => times("a\n", n)],
];

/**
 * The CPU time of `fn` called `calls` times, in ms. CPU time, not wall time:
 * other processes on a busy machine take the CPU away in bursts, which would
 * land in one sample and not the other.
 */
function time(fn: () => void, calls: number): number {
  const started = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/**
 * How much longer `fn` takes on `large` than on `small`: the median of seven
 * ratios, each from a sample on `small` and one on `large` taken right after it.
 */
function growth(fn: (body: string) => void, small: string, large: string): number {
  fn(small);
  fn(large);
  let calls = 1;
  while (time(() => fn(small), calls) < 20) calls *= 2;
  const ratios: number[] = [];
  for (let s = 0; s < 7; s++) {
    const before = time(() => fn(small), calls);
    ratios.push(time(() => fn(large), calls) / before);
  }
  ratios.sort((x, y) => x - y);
  return ratios[3] ?? Number.POSITIVE_INFINITY;
}

const renderHtml = (body: string) => renderToStaticMarkup(renderMessage(body, { resolveMention }));

describe("pathological bodies grow linearly", () => {
  it.each(bodies)("%s", (_, make) => {
    const small = make(N);
    const large = make(2 * N);
    expect(large.length / small.length).toBeGreaterThan(1.8);
    expect(large.length / small.length).toBeLessThan(2.2);
    const rendered = growth(renderHtml, small, large);
    const text = growth((body) => plainText(body, resolveMention), small, large);
    expect(rendered).toBeLessThan(MAX_GROWTH);
    expect(text).toBeLessThan(MAX_GROWTH);
  });
});

describe("pathological bodies never throw", () => {
  it("renders the emphasis that overflowed the hand-written parser's stack", () => {
    const body = `${"*".repeat(15_000)}a${"*".repeat(15_000)}`;
    const out = renderHtml(body);
    expect(out.replace(/<[^>]*>/g, "")).toContain("a");
    expect(plainText(body, resolveMention)).toContain("a");
  });

  it.each(bodies)("renders %s at 100,000 characters", (_, make) => {
    const body = make(100_000);
    expect(renderHtml(body)).not.toBe("");
    plainText(body, resolveMention);
  });
});
