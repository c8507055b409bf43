/** Where sign-in sends people next (finding 5): paths on this site only, always a valid Location. */
import { describe, expect, it } from "vitest";
import { safeNextPath } from "./next-path";

describe("safeNextPath", () => {
  it("keeps paths on this site", () => {
    expect(safeNextPath("/w/123/c/456?x=1#m")).toBe("/w/123/c/456?x=1#m");
    expect(safeNextPath("/welcome")).toBe("/welcome");
  });

  it.each([
    ["//evil.example"],
    ["/\\evil.example"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["/.//evil.example"],
    ["https://evil.example/"],
    ["javascript:alert(1)"],
    ["evil.example"],
    [""],
  ])("sends %j home", (next) => {
    expect(safeNextPath(next)).toBe("/");
  });

  it("sends an over-long path home", () => {
    expect(safeNextPath(`/${"a".repeat(5000)}`)).toBe("/");
  });

  it("keeps a path whose control characters the parser drops on this site", () => {
    expect(safeNextPath("/\tinbox")).toBe("/inbox");
  });

  it("returns only characters a Location header may carry", () => {
    for (const next of ["/ü/日本", "/\n", "/a\u0000b", "/%0a"]) {
      expect(safeNextPath(next)).toMatch(/^\/[\x21-\x7e]*$/);
    }
  });

  it("refuses anything but a string", () => {
    expect(safeNextPath(undefined)).toBe("/");
    expect(safeNextPath(["/a"])).toBe("/");
  });
});
