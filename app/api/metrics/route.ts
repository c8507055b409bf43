/**
 * Prometheus metrics (server/metrics.ts), for a scraper that presents
 * METRICS_TOKEN as a Bearer token.
 *
 * Unset, the endpoint answers 404 as if it did not exist: metrics are off,
 * and there is nothing to authenticate against. Set, a request without the
 * token or with another one gets 401 with a WWW-Authenticate challenge, so a
 * scraper's misconfigured token reads as what it is, not as a wrong path.
 * The comparison takes the same time whatever the presented token shares
 * with the real one (both are hashed to equal lengths first).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";
import { metrics } from "@/server/metrics";

export const dynamic = "force-dynamic";

const digest = (value: string) => createHash("sha256").update(value).digest();

function presentedToken(request: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
}

export async function GET(request: Request) {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response("Not found\n", { status: 404 });
  const presented = presentedToken(request);
  if (!presented || !timingSafeEqual(digest(presented), digest(token))) {
    return new Response("A valid Bearer token is required.\n", {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
    });
  }
  const { registry } = metrics();
  return new Response(await registry.metrics(), {
    headers: { "Content-Type": registry.contentType },
  });
}
