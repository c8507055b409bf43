import { describe, expect, it } from "vitest";
import { highlightSegments } from "./highlight";

const ADA = "0dc8f8b0-1111-4222-8333-944445555666";
const names = new Map([[ADA, "Ada Lovelace"]]);
const resolve = (id: string) => names.get(id);

/** Segments as a string with [marked] parts, for readable expectations. */
const shown = (...args: Parameters<typeof highlightSegments>) =>
  highlightSegments(...args)
    .map((segment) => (segment.marked ? `[${segment.text}]` : segment.text))
    .join("");

describe("highlightSegments", () => {
  it("marks the ranges of the raw body", () => {
    expect(
      shown(
        "deploy the deployment",
        [
          { start: 0, end: 6 },
          { start: 11, end: 21 },
        ],
        resolve,
      ),
    ).toBe("[deploy] the [deployment]");
  });

  it("shows Markdown as typed and never parses HTML", () => {
    const body = "<b>bold</b> **deploy**";
    expect(shown(body, [{ start: 14, end: 20 }], resolve)).toBe("<b>bold</b> **[deploy]**");
  });

  it("shows mentions as @Name and marks them whole when a range touches them", () => {
    const body = `hi <@${ADA}> and <!here>, deploy`;
    const deploy = body.indexOf("deploy");
    expect(shown(body, [{ start: deploy, end: deploy + 6 }], resolve)).toBe(
      "hi @Ada Lovelace and @here, [deploy]",
    );
    expect(shown(body, [{ start: 5, end: 9 }], resolve)).toBe(
      "hi [@Ada Lovelace] and @here, deploy",
    );
    expect(shown(`<@${ADA.toUpperCase()}>`, [], () => undefined)).toBe("@unknown");
  });

  it("joins overlapping ranges and ignores ones outside the body", () => {
    expect(
      shown(
        "abcdef",
        [
          { start: 3, end: 5 },
          { start: 1, end: 4 },
          { start: 9, end: 12 },
          { start: 2, end: 2 },
        ],
        resolve,
      ),
    ).toBe("a[bcde]f");
  });

  it("folds line breaks into spaces", () => {
    expect(shown("one\n\ntwo  three", [{ start: 5, end: 8 }], resolve)).toBe("one [two] three");
  });

  it("cuts a long body to an excerpt around the first match, without splitting a mention", () => {
    const body = `${"lorem ipsum ".repeat(30)}needle <@${ADA}> ${"dolor sit ".repeat(30)}`;
    const start = body.indexOf("needle");
    const text = shown(body, [{ start, end: start + 6 }], resolve, 80);
    expect(text.startsWith("…")).toBe(true);
    expect(text.endsWith("…")).toBe(true);
    expect(text).toContain("[needle] @Ada Lovelace");
    expect(text.length).toBeLessThan(110);
  });

  it("keeps offsets in UTF-16 units, as the server gives them", () => {
    const body = "🎉 party";
    expect(shown(body, [{ start: 3, end: 8 }], resolve)).toBe("🎉 [party]");
  });
});
