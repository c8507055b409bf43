/**
 * Every page response, prefetches included, gets a Content-Security-Policy
 * with a fresh nonce (Next.js puts it on its own scripts), so no inline
 * script without it can run, and HSTS when served over TLS in production.
 * API routes get their static security headers from next.config.ts and
 * their transport headers from server/http in the route handlers.
 */
import { type NextRequest, NextResponse } from "next/server";
import { env } from "./lib/env";
import { directUploadOrigin } from "./server/files/origin";
import { transportHeaders } from "./server/http";
import { currentPeer } from "./server/http/peer";

const development = env().NODE_ENV === "development";
// With S3 storage, browsers PUT files straight to the bucket.
const uploadOrigin = directUploadOrigin(env());

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = [
    "default-src 'self'",
    // React needs eval only for its development tooling.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'${development ? " 'unsafe-inline'" : ""}`,
    // Positioning in virtualised lists uses style attributes, which cannot carry a nonce.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${uploadOrigin ? ` ${uploadOrigin}` : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", policy);
  // Layouts do not see the URL; the workspace layout sends a signed-out
  // visitor to sign in and back to exactly this page.
  requestHeaders.set("x-sequent-path", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  for (const [name, value] of Object.entries(transportHeaders({ peer: currentPeer() })))
    response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
