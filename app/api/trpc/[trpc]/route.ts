/** The only HTTP entry to tRPC procedures (queries, mutations and SSE subscriptions). */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createRequestContext } from "@/server/context";
import { AppError } from "@/server/errors";
import { refuseUnsafeRequest } from "@/server/http";
import { appRouter } from "@/server/routers/_app";

export const dynamic = "force-dynamic";

function handler(request: Request) {
  const refused = refuseUnsafeRequest(request);
  if (refused) return refused;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: ({ req, resHeaders }) => createRequestContext(req.headers, resHeaders),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR")
        console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
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
