/**
 * The only HTTP entry to tRPC procedures. The rules of server/http come
 * first (batch size, JSON-only mutations, same-origin cookies, the body read
 * up to its limit before anything parses it); then queries and mutations go
 * through tRPC's fetch adapter and subscriptions (SSE) through server/sse.ts,
 * which speaks the same protocol with less work per stream and per event.
 */

import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createRequestContext } from "@/server/context";
import { AppError } from "@/server/errors";
import {
  bodyLimit,
  payloadTooLarge,
  rateLimitAddress,
  readBody,
  refuseApiRequest,
  transportHeaders,
} from "@/server/http";
import { requestFacts } from "@/server/http/peer";
import { appRouter } from "@/server/routers/_app";
import { isSubscription, serveSubscription } from "@/server/sse";

export const dynamic = "force-dynamic";

const ENDPOINT = "/api/trpc";

function logFault({ error, path }: { error: TRPCError; path?: string }) {
  if (error.code === "INTERNAL_SERVER_ERROR")
    console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function serve(request: Request): Promise<Response> {
  const facts = requestFacts(request);
  const refused = refuseApiRequest(facts, ENDPOINT);
  if (refused) return refused;
  const clientAddress = rateLimitAddress(facts.peer);
  if (request.method === "GET") {
    const path = safeDecode(facts.url.pathname.slice(ENDPOINT.length + 1));
    if (isSubscription(appRouter, path)) {
      return serveSubscription({
        router: appRouter,
        path,
        request,
        createContext: () => createRequestContext(request.headers, { clientAddress }),
        onError: (error) => logFault({ error, path }),
      });
    }
  }
  let req = request;
  if (request.method === "POST") {
    const body = await readBody(request.body, bodyLimit(), request.headers.get("content-length"));
    if (!body.ok) return payloadTooLarge(body.limit);
    req = new Request(request.url, {
      method: "POST",
      headers: request.headers,
      body: body.bytes,
      signal: request.signal,
    });
  }
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    req,
    router: appRouter,
    createContext: ({ req, resHeaders }) =>
      createRequestContext(req.headers, { resHeaders, clientAddress }),
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

async function handler(request: Request): Promise<Response> {
  const response = await serve(request);
  for (const [name, value] of Object.entries(transportHeaders(requestFacts(request))))
    response.headers.set(name, value);
  return response;
}

export { handler as GET, handler as POST };
