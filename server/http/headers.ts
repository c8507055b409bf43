/**
 * The static security headers, in one place for both servers: next.config.ts
 * puts them on what Next.js serves, and the Node server (server/node) on the
 * API answers it serves itself. Pages add a per-request nonce CSP on top
 * (proxy.ts); headers that depend on how a request arrived (HSTS) are
 * transportHeaders in server/http.
 *
 * No imports: next.config.ts loads this file before anything else exists.
 */

/** On every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  "Cross-Origin-Opener-Policy": "same-origin",
};

/** On every answer under /api/, besides SECURITY_HEADERS. */
export const API_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  // no-transform: a proxy must not compress or buffer an event stream (server/sse.ts).
  "Cache-Control": "no-store, no-transform",
} as const satisfies Record<string, string>;
