/**
 * The HTTP rules as plain functions: who the client is behind proxies, how a
 * body is read, which requests are refused before tRPC sees them.
 */
import { describe, expect, it } from "vitest";
import {
  batchSize,
  clientAddress,
  compileTrust,
  type Peer,
  rateLimitAddress,
  readBody,
  refuseApiRequest,
  requestScheme,
} from "./index";

const peer = (address: string, forwardedFor?: string, extra: Partial<Peer> = {}): Peer => ({
  address,
  encrypted: false,
  forwardedFor,
  ...extra,
});
const none = compileTrust({ kind: "none" });
const oneHop = compileTrust({ kind: "hops", hops: 1 });
const loopback = compileTrust({ kind: "addresses", entries: ["loopback"] });
const proxies = compileTrust({ kind: "addresses", entries: ["10.0.0.0/8", "192.0.2.7"] });

describe("the client address (finding 3)", () => {
  it("is the socket's without trusted proxies, whatever X-Forwarded-For says", () => {
    for (const header of ["127.0.0.1", "203.0.113.9", "127.0.0.1, 198.51.100.4", "garbage"]) {
      expect(clientAddress(peer("198.51.100.4", header), none)).toEqual({
        address: "198.51.100.4",
        isPeer: true,
      });
    }
  });

  it("is read from the right: a client-written first entry is never believed", () => {
    // The proxy appended the real address; the client wrote "127.0.0.1".
    expect(clientAddress(peer("10.0.0.2", "127.0.0.1, 203.0.113.5"), oneHop).address).toBe(
      "203.0.113.5",
    );
    expect(clientAddress(peer("10.0.0.2", "1.1.1.1, 2.2.2.2, 203.0.113.5"), proxies).address).toBe(
      "203.0.113.5",
    );
    // Two trusted proxies in a row.
    expect(clientAddress(peer("10.0.0.2", "203.0.113.5, 192.0.2.7"), proxies).address).toBe(
      "203.0.113.5",
    );
  });

  it("believes nothing forwarded from a peer that is not a trusted proxy", () => {
    expect(clientAddress(peer("203.0.113.66", "127.0.0.1"), proxies)).toEqual({
      address: "203.0.113.66",
      isPeer: true,
    });
  });

  it("exempts only a real loopback socket from per-address limits", () => {
    expect(rateLimitAddress(peer("127.0.0.1"))).toBeNull();
    expect(rateLimitAddress(peer("::ffff:127.0.0.1"))).toBeNull();
    expect(rateLimitAddress(peer("203.0.113.5", "127.0.0.1"))).toBe("203.0.113.5");
    // Without the hook there is no peer: everyone shares one bucket, nobody is exempt.
    expect(rateLimitAddress(undefined)).toBe("unknown");
  });

  it("counts IPv6 clients per /64 and trusts loopback proxies when told", () => {
    expect(rateLimitAddress(peer("2001:db8:1:2:aaaa::1"))).toBe("2001:db8:1:2::/64");
    expect(rateLimitAddress(peer("2001:db8:1:2:bbbb::9"))).toBe("2001:db8:1:2::/64");
    expect(clientAddress(peer("127.0.0.1", "203.0.113.8"), loopback)).toEqual({
      address: "203.0.113.8",
      isPeer: false,
    });
  });
});

describe("the scheme", () => {
  it("is the connection's unless a trusted proxy says otherwise", () => {
    expect(requestScheme(peer("203.0.113.5", undefined, { forwardedProto: "https" }))).toBe("http");
    expect(requestScheme(peer("203.0.113.5", undefined, { encrypted: true }))).toBe("https");
  });
});

describe("reading a body (finding 1)", () => {
  async function* chunks(count: number, size: number) {
    for (let i = 0; i < count; i++) yield new Uint8Array(size);
  }

  it("stops at the limit and cancels the rest of the stream", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(new Uint8Array(16 * 1024));
      },
    });
    const result = await readBody(stream, 64 * 1024);
    expect(result.ok).toBe(false);
    // 16 KiB chunks: the fifth passes 64 KiB; a few more may be buffered ahead, not 10,000.
    expect(pulled).toBeLessThan(10);
  });

  it("refuses by Content-Length before reading, and returns small bodies whole", async () => {
    expect(await readBody(chunks(1, 10), 64, "100000000")).toEqual({ ok: false, limit: 64 });
    const small = await readBody(chunks(3, 10), 64, "30");
    expect(small.ok && small.bytes.byteLength).toBe(30);
  });
});

describe("requests refused before tRPC", () => {
  const facts = (url: string, method = "GET", headers: Record<string, string> = {}) => ({
    method,
    url: new URL(url),
    headers: new Headers(headers),
    peer: peer("127.0.0.1"),
  });

  it("refuses a batch of more than 20 procedures (finding 11)", () => {
    const paths = Array.from({ length: 1800 }, () => "user.me").join(",");
    const url = `http://app.test/api/trpc/${paths}?batch=1`;
    expect(batchSize(new URL(url), "/api/trpc")).toBe(1800);
    expect(refuseApiRequest(facts(url), "/api/trpc")?.status).toBe(400);
    const twenty = Array.from({ length: 20 }, () => "user.me").join(",");
    expect(refuseApiRequest(facts(`http://app.test/api/trpc/${twenty}?batch=1`), "/api/trpc")).toBe(
      undefined,
    );
  });

  it("judges the origin by Host, not by a client's X-Forwarded-Host (finding 15)", () => {
    const post = (headers: Record<string, string>) =>
      refuseApiRequest(
        facts("http://app.test/api/trpc/workspace.create", "POST", {
          "content-type": "application/json",
          host: "app.test",
          ...headers,
        }),
        "/api/trpc",
      )?.status;
    expect(post({ origin: "http://app.test" })).toBeUndefined();
    expect(post({ origin: "https://evil.example", "x-forwarded-host": "evil.example" })).toBe(403);
  });
});
