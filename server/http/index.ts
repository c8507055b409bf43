/**
 * HTTP-level rules for every entry to the API and to sign-in, as plain
 * functions of what any HTTP server has: the method, the URL, the headers,
 * the TCP peer and the body stream. Next's route handlers call them through
 * server/http/peer.ts; a plain Node server passes its socket directly.
 *
 * Rules kept here:
 * - Forwarded headers (X-Forwarded-For, -Proto, -Host) are believed only from
 *   peers TRUST_PROXY names, and read from the right, as proxy-addr does: an
 *   entry a client wrote itself is never the client's address.
 * - A body is read up to a limit while it streams in, before anything parses
 *   it; a larger one is refused (413) without being held.
 * - Mutations are JSON POSTs; a cookie-carrying request from another site is
 *   refused (CSRF), judged against the configured origin.
 * - A batch names at most MAX_BATCH_SIZE procedures.
 * - Uploads keep the same-origin rule but have their own, larger limit, and
 *   stream to storage instead of being read into memory.
 */
import { BlockList, isIP } from "node:net";
import { env, type ProxyTrust } from "@/lib/env";
import { MAX_BATCH_SIZE } from "@/lib/limits";
import { API_HEADERS } from "./headers";

/** The TCP peer of a request, and the forwarded headers exactly as that peer sent them. */
export interface Peer {
  address: string;
  /** Whether the connection itself is TLS. */
  encrypted: boolean;
  forwardedFor?: string;
  forwardedProto?: string;
  forwardedHost?: string;
}

export interface RequestFacts {
  method: string;
  url: URL;
  headers: Headers;
  /** Undefined when the entry cannot tell; then nothing forwarded is believed. */
  peer?: Peer;
}

/** "::ffff:10.0.0.1" → "10.0.0.1"; undefined for anything that is not an IP address. */
export function normalizeAddress(value: string | undefined): string | undefined {
  const address = value?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  return address && isIP(address) ? address.toLowerCase() : undefined;
}

const NAMED: Record<string, [string, number][]> = {
  loopback: [
    ["127.0.0.0", 8],
    ["::1", 128],
  ],
  linklocal: [
    ["169.254.0.0", 16],
    ["fe80::", 10],
  ],
  uniquelocal: [
    ["10.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["fc00::", 7],
  ],
};

const family = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");

/** A test of "is this hop a proxy we trust", from TRUST_PROXY. */
export function compileTrust(trust: ProxyTrust): (address: string, hop: number) => boolean {
  if (trust.kind === "none") return () => false;
  if (trust.kind === "hops") return (_address, hop) => hop < trust.hops;
  const list = new BlockList();
  for (const entry of trust.entries) {
    const [address = "", bits] = entry.split("/");
    const ranges = NAMED[entry] ?? [[address, bits === undefined ? undefined : Number(bits)]];
    for (const [network, prefix] of ranges as [string, number | undefined][]) {
      if (prefix === undefined) list.addAddress(network, family(network));
      else list.addSubnet(network, prefix, family(network));
    }
  }
  return (address) => {
    const normal = normalizeAddress(address);
    return normal !== undefined && list.check(normal, family(normal));
  };
}

let compiled: { trust: ProxyTrust; test: (address: string, hop: number) => boolean } | undefined;
function trusted(address: string, hop: number): boolean {
  const { TRUST_PROXY } = env();
  if (compiled?.trust !== TRUST_PROXY)
    compiled = { trust: TRUST_PROXY, test: compileTrust(TRUST_PROXY) };
  return compiled.test(address, hop);
}

/** Whether the peer is a proxy whose forwarded headers we believe. */
const peerIsTrustedProxy = (peer: Peer | undefined): peer is Peer =>
  peer !== undefined && trusted(peer.address, 0);

export interface ClientAddress {
  /** A valid IP address, or undefined when the trusted chain names none. */
  address: string | undefined;
  /** True when the address is the TCP peer itself, not taken from a header. */
  isPeer: boolean;
}

/**
 * The client's address: start at the TCP peer and walk X-Forwarded-For from
 * the right while the current hop is a trusted proxy (proxy-addr's rule).
 */
export function clientAddress(
  peer: Peer | undefined,
  isTrusted: (address: string, hop: number) => boolean = trusted,
): ClientAddress {
  if (!peer) return { address: undefined, isPeer: false };
  const hops = [peer.address];
  for (const entry of (peer.forwardedFor ?? "").split(",").reverse()) {
    if (entry.trim()) hops.push(entry.trim());
  }
  let index = 0;
  while (index < hops.length - 1 && isTrusted(hops[index] as string, index)) index++;
  return { address: normalizeAddress(hops[index]), isPeer: index === 0 };
}

const isLoopback = (address: string) => address === "::1" || address.startsWith("127.");

/**
 * The bucket for per-address rate limits; null when exempt. Only a real
 * loopback TCP peer is exempt (local development, tests, a same-host proxy
 * TRUST_PROXY does not name): there every client looks alike. IPv6 clients
 * are counted per /64, which one subscriber usually holds whole; a chain
 * that names no valid address shares one "unknown" bucket.
 */
export function rateLimitAddress(peer: Peer | undefined): string | null {
  const client = clientAddress(peer);
  if (!client.address) return "unknown";
  if (client.isPeer && isLoopback(client.address)) return null;
  if (isIP(client.address) === 6) {
    const groups = expandIpv6(client.address);
    return `${groups.slice(0, 4).join(":")}::/64`;
  }
  return client.address;
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) counts as two groups; only the first four matter.
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right].map(
    (group) => group.replace(/^0+(?=.)/, "") || "0",
  );
}

/** The scheme the client used: the trusted proxy's X-Forwarded-Proto, else the connection's. */
export function requestScheme(peer: Peer | undefined): "http" | "https" {
  if (peerIsTrustedProxy(peer) && peer.forwardedProto) {
    const first = peer.forwardedProto.split(",")[0]?.trim().toLowerCase();
    if (first === "https" || first === "http") return first;
  }
  return peer?.encrypted ? "https" : "http";
}

/**
 * The origin browsers address this app by: AUTH_URL's when configured,
 * otherwise the scheme and Host of the request (X-Forwarded-Host only from a
 * trusted proxy).
 */
export function ownOrigin(facts: RequestFacts): string {
  const configured = env().AUTH_URL;
  if (configured) return new URL(configured).origin;
  const host =
    (peerIsTrustedProxy(facts.peer) && facts.peer.forwardedHost?.split(",")[0]?.trim()) ||
    facts.headers.get("host") ||
    facts.url.host;
  return `${requestScheme(facts.peer)}://${host}`;
}

/** Whether cookies should be Secure and HSTS sent: the public origin or the real scheme is https. */
export function servedOverTls(facts: Pick<RequestFacts, "peer">): boolean {
  const configured = env().AUTH_URL;
  if (configured) return new URL(configured).protocol === "https:";
  return requestScheme(facts.peer) === "https";
}

export const HSTS = "max-age=63072000; includeSubDomains";

/** Headers that depend on how the request arrived (the static ones are in next.config.ts). */
export function transportHeaders(facts: Pick<RequestFacts, "peer">): Record<string, string> {
  return env().NODE_ENV === "production" && servedOverTls(facts)
    ? { "Strict-Transport-Security": HSTS }
    : {};
}

const JSON_RPC_CODES: Record<number, number> = {
  400: -32600,
  403: -32003,
  413: -32013,
  415: -32600,
};

export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json(
    {
      error: {
        message,
        code: JSON_RPC_CODES[status] ?? -32600,
        data: { code, httpStatus: status },
      },
    },
    { status, headers: { "Cache-Control": API_HEADERS["Cache-Control"] } },
  );
}

function isCrossSite(facts: RequestFacts): boolean {
  if (facts.headers.get("sec-fetch-site") === "cross-site") return true;
  const origin = facts.headers.get("origin");
  if (origin === null) return false;
  return origin === "null" || origin !== ownOrigin(facts);
}

/** How many procedures a tRPC request names (a batch joins them with commas). */
export function batchSize(url: URL, endpoint: string): number {
  if (url.searchParams.get("batch") !== "1") return 1;
  return url.pathname.slice(endpoint.length + 1).split(",").length;
}

/**
 * A response refusing an API request before its body is read, or undefined
 * when it may go on: too large a batch, a mutation that is not JSON, or a
 * cookie-authenticated request from another site. Bearer-token requests
 * carry no ambient credentials, so they may come from anywhere.
 */
export function refuseApiRequest(facts: RequestFacts, endpoint: string): Response | undefined {
  const calls = batchSize(facts.url, endpoint);
  if (calls > MAX_BATCH_SIZE) {
    return errorResponse(
      400,
      "BAD_REQUEST",
      `A batch may name at most ${MAX_BATCH_SIZE} procedures; this one names ${calls}.`,
    );
  }
  if (facts.method !== "POST") return undefined;
  const mediaType = facts.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return errorResponse(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "Send mutations as POST with Content-Type: application/json.",
    );
  }
  if (!facts.headers.get("authorization") && isCrossSite(facts)) {
    return errorResponse(
      403,
      "FORBIDDEN",
      "Cross-site requests with cookies are refused; call the API with a Bearer token.",
    );
  }
  return undefined;
}

/**
 * A response refusing a file upload (POST /api/files, PUT /api/files/<id>,
 * POST /api/avatar) before its body is read, or undefined: a cookie-carrying
 * request from another site, or a declared length over the upload's own
 * limit (larger than BODY_LIMIT_KB: these bodies stream to storage, never
 * into memory).
 */
export function refuseUpload(facts: RequestFacts, limit: number): Response | undefined {
  if (!facts.headers.get("authorization") && isCrossSite(facts)) {
    return errorResponse(
      403,
      "FORBIDDEN",
      "Cross-site requests with cookies are refused; call the API with a Bearer token.",
    );
  }
  const length = facts.headers.get("content-length");
  if (length && /^\d+$/.test(length) && Number(length) > limit) {
    return errorResponse(
      413,
      "PAYLOAD_TOO_LARGE",
      `The file is larger than ${Math.round(limit / 1024 / 1024)} MB, the most a file can be here.`,
    );
  }
  return undefined;
}

/** The largest body any API or sign-in entry reads, in bytes. */
export const bodyLimit = () => env().BODY_LIMIT_KB * 1024;

export type BodyResult =
  | { ok: true; bytes: Uint8Array<ArrayBuffer> }
  | { ok: false; limit: number };

/** A web ReadableStream (fetch's Request.body) or a Node stream (IncomingMessage). */
export type BodyStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A body's chunks, and a way to give up on the rest at once (also while a read waits). */
interface Chunks {
  next(): Promise<IteratorResult<Uint8Array>>;
  cancel(): void;
}

function chunksOf(body: BodyStream): Chunks {
  if ("getReader" in body) {
    const reader = body.getReader();
    return {
      next: async () => {
        const { done, value } = await reader.read();
        return done ? { done: true, value: undefined } : { done: false, value };
      },
      cancel: () => void reader.cancel().catch(() => {}),
    };
  }
  const iterator = body[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    // A Node request's iterator destroys the request (and its socket) on return.
    cancel: () => void iterator.return?.()?.catch(() => {}),
  };
}

/** How much of a refused body is still read, and dropped, and for how long. */
const DISCARD_MAX_BYTES = 1024 * 1024;
const DISCARD_MAX_MS = 5_000;

/**
 * Reads and drops the rest of a refused body in the background, so that a
 * client still sending it reads the 413 instead of a reset connection, and
 * the connection can serve its next request. A body far over the limit, or
 * one sent too slowly, is cancelled instead (its connection closes).
 */
function discardRest(chunks: Chunks): void {
  let left = DISCARD_MAX_BYTES;
  const timer = setTimeout(() => chunks.cancel(), DISCARD_MAX_MS);
  timer.unref();
  void (async () => {
    try {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        left -= next.value.byteLength;
        if (left < 0) return chunks.cancel();
      }
    } catch {
      // Cancelled, or the client went away: nothing left to drop.
    } finally {
      clearTimeout(timer);
    }
  })();
}

/**
 * Reads a request body while it streams in, stopping as soon as it passes
 * `limit` bytes, so a huge body costs at most `limit` bytes of memory and no
 * parsing (the rest is dropped as it arrives, up to a bound). A
 * Content-Length over the limit is refused before reading anything.
 */
export async function readBody(
  body: BodyStream | null | undefined,
  limit: number,
  contentLength?: string | null,
): Promise<BodyResult> {
  const chunks = body ? chunksOf(body) : undefined;
  if (contentLength && /^\d+$/.test(contentLength) && Number(contentLength) > limit) {
    if (chunks) discardRest(chunks);
    return { ok: false, limit };
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  if (chunks) {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      size += next.value.byteLength;
      if (size > limit) {
        discardRest(chunks);
        return { ok: false, limit };
      }
      parts.push(next.value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of parts) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

export function payloadTooLarge(limit: number): Response {
  return errorResponse(
    413,
    "PAYLOAD_TOO_LARGE",
    `The request body is larger than ${Math.round(limit / 1024)} KiB.`,
  );
}
