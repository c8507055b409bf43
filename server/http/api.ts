/**
 * The tRPC endpoint, /api/trpc, as both HTTP entries serve it: the route
 * handler (app/api/trpc/[trpc]/route.ts, for `next start` and serverless
 * platforms) and the Node server (server/node/api.ts, what `npm start`
 * runs). Everything a call goes through is decided here, once, so the two
 * cannot drift: the rules of server/http (batch size, JSON-only mutations,
 * same-origin cookies, the body limit while it streams in), the client's
 * rate-limit address, the context (API token or session cookie, the cookie
 * named by the real scheme), errors (faults get an id in server/trpc.ts's
 * formatter), Retry-After, the request's log line and metrics
 * (server/http/observe.ts) and every header of the answer. The entries only
 * translate between their request/response objects and these functions.
 */
import type { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { createRequestContext } from "@/server/context";
import { AppError } from "@/server/errors";
import { appRouter } from "@/server/routers/_app";
import { isSubscription, leanProducerProblem, type SubscriptionRequest } from "@/server/sse";
import type { Context } from "@/server/trpc";
import { API_HEADERS, SECURITY_HEADERS } from "./headers";
import {
  bodyLimit,
  payloadTooLarge,
  type RequestFacts,
  rateLimitAddress,
  readBody,
  refuseApiRequest,
  servedOverTls,
  transportHeaders,
} from "./index";
import { observeRequest, procedureLabels, REQUEST_ID_HEADER } from "./observe";

export const API_ENDPOINT = "/api/trpc";

// Refuse to serve at all rather than stream events a client would misread.
const problem = leanProducerProblem(appRouter);
if (problem) throw new Error(problem);

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Whether a request path is the endpoint's: `/api/trpc/<procedures>`, one
 * segment, as the route handler's `[trpc]` matches it. Anything else goes
 * to Next.js.
 */
export function isApiPath(pathname: string): boolean {
  return (
    pathname.length > API_ENDPOINT.length + 1 &&
    pathname.startsWith(`${API_ENDPOINT}/`) &&
    !pathname.includes("/", API_ENDPOINT.length + 1)
  );
}

const ALLOW = { Allow: "GET, HEAD, OPTIONS, POST" };

/**
 * The answer to methods other than GET and POST (both entries route every
 * method here): HEAD and OPTIONS run no procedure, the rest are refused.
 */
function methodRefusal(method: string): Response | undefined {
  if (method === "GET" || method === "POST") return undefined;
  if (method === "HEAD") return new Response(null, { status: 204 });
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: ALLOW });
  return new Response(null, { status: 405, headers: ALLOW });
}

/** One request to the endpoint, from its first byte to its answer. */
export interface ApiCall {
  /** The procedure path, decoded ("a,b" for a batch). */
  readonly path: string;
  /** Runs `fn` as this request (its log lines carry the request id). */
  run<T>(fn: () => T): T;
  /** A refusal before anything is read, or undefined to go on. */
  refusal(): Response | undefined;
  /** The subscription to stream, when the call is one (GET of a subscription procedure). */
  subscription(): SubscriptionRequest | undefined;
  /** Reads a POST body up to the limit: its bytes, or the 413 to answer. */
  readBody(
    body: Parameters<typeof readBody>[0],
    contentLength: string | null | undefined,
  ): Promise<Uint8Array<ArrayBuffer> | Response>;
  /** The options every tRPC adapter takes, the same for both entries. */
  readonly trpc: {
    router: typeof appRouter;
    createContext(): Promise<Context>;
    onError(opts: { error: TRPCError; path?: string }): void;
    responseMeta(opts: { errors: TRPCError[] }): { headers?: Record<string, string> };
  };
  /** Headers of every answer, added by the entry (Next.js adds the static ones itself). */
  headers(options: { withStatic: boolean }): Record<string, string>;
  /** The answer's status is known: logs and counts the request, once. */
  done(status: number): void;
}

export function beginApiCall(facts: RequestFacts): ApiCall {
  const observed = observeRequest(facts);
  const path = safeDecode(facts.url.pathname.slice(API_ENDPOINT.length + 1));
  const procedures = procedureLabels(appRouter, path);
  const clientAddress = rateLimitAddress(facts.peer);
  const tls = servedOverTls(facts);
  const createContext = async () => {
    const ctx = await createRequestContext(facts.headers, { clientAddress, tls });
    observed.setUser(ctx.user?.id);
    return ctx;
  };
  const onError = ({ error, path }: { error: TRPCError; path?: string }) =>
    observed.failed(path ?? "(unknown)", getHTTPStatusCodeFromError(error));
  return {
    path,
    run: (fn) => observed.run(fn),
    refusal: () => methodRefusal(facts.method) ?? refuseApiRequest(facts, API_ENDPOINT),
    subscription() {
      if (facts.method !== "GET" || !isSubscription(appRouter, path)) return undefined;
      return {
        router: appRouter,
        path,
        url: facts.url,
        headers: facts.headers,
        createContext,
        onError: (error) => onError({ error, path }),
      };
    },
    async readBody(body, contentLength) {
      const read = await readBody(body, bodyLimit(), contentLength);
      return read.ok ? read.bytes : payloadTooLarge(read.limit);
    },
    trpc: {
      router: appRouter,
      createContext,
      onError,
      responseMeta({ errors }) {
        const limited = errors.find(
          (error) => error.cause instanceof AppError && error.cause.retryAfterSeconds,
        );
        const seconds = (limited?.cause as AppError | undefined)?.retryAfterSeconds;
        return seconds ? { headers: { "Retry-After": String(seconds) } } : {};
      },
    },
    headers: ({ withStatic }) => ({
      ...(withStatic ? { ...SECURITY_HEADERS, ...API_HEADERS } : {}),
      ...transportHeaders(facts),
      [REQUEST_ID_HEADER]: observed.requestId,
    }),
    done: (status) => observed.done(status, procedures),
  };
}
