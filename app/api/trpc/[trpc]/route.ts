/**
 * The only HTTP entry to tRPC procedures. Queries and mutations go through
 * tRPC's fetch adapter; subscriptions (SSE) through server/sse.ts, which
 * speaks the same protocol with less work per stream and per event.
 */

import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createRequestContext } from "@/server/context";
import { AppError } from "@/server/errors";
import { refuseUnsafeRequest } from "@/server/http";
import { appRouter } from "@/server/routers/_app";
import { isSubscription, serveSubscription } from "@/server/sse";

export const dynamic = "force-dynamic";

const ENDPOINT = "/api/trpc";

function logFault({ error, path }: { error: TRPCError; path?: string }) {
  if (error.code === "INTERNAL_SERVER_ERROR")
    console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
}

function handler(request: Request) {
  const refused = refuseUnsafeRequest(request);
  if (refused) return refused;
  if (request.method === "GET") {
    const path = decodeURIComponent(new URL(request.url).pathname.slice(ENDPOINT.length + 1));
    if (isSubscription(appRouter, path)) {
      return serveSubscription({
        router: appRouter,
        path,
        request,
        createContext: () => createRequestContext(request.headers),
        onError: (error) => logFault({ error, path }),
      });
    }
  }
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    req: request,
    router: appRouter,
    createContext: ({ req, resHeaders }) => createRequestContext(req.headers, resHeaders),
    onError: logFault,
    responseMeta({ errors }) {
      const limited = errors.find(
        (error) => error.cause instanceof AppError && error.cause.retryAfterSeconds,
      );
      const seconds = (limited?.cause as AppError | undefined)?.retryAfterSeconds;
      return seconds ? { headers: { "Retry-After": String(seconds) } } : {};
    },
  });
}

export { handler as GET, handler as POST };
