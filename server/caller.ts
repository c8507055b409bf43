/**
 * The server-side caller for Server Components: the same procedures and
 * middleware as over HTTP, with the request's session, without a network hop.
 */
import "server-only";
import { type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import { createRequestContext } from "./context";
import { rateLimitAddress } from "./http";
import { currentPeer } from "./http/peer";
import { appRouter } from "./routers/_app";
import { createCallerFactory } from "./trpc";

const createCaller = createCallerFactory(appRouter);

/** The request's context, once per request (React's cache) for both callers. */
const requestContext = cache(async () =>
  createRequestContext(new Headers(await headers()), {
    clientAddress: rateLimitAddress(currentPeer()),
  }),
);

/** One caller per request (React's cache), with the request's cookies and client address. */
export const serverCaller = cache(async () => createCaller(await requestContext()));

const REFUSALS = new Set<TRPC_ERROR_CODE_KEY>([
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "BAD_REQUEST",
]);

/**
 * The caller for pages inside the workspace layout, which answers for the
 * visitor first: it sends a signed-out one to sign in and answers 404 for a
 * workspace they cannot see. Next.js renders a page beside its layout, so
 * the page's own calls meet the same refusals at the same time, and a
 * thrown error is logged with its stack as if it were a fault. Here a
 * refusal ends the page with notFound() instead, quietly; what the visitor
 * gets is still the layout's answer (or the 404 for a place inside it).
 */
export const pageCaller = cache(async () =>
  createCaller(await requestContext(), {
    onError({ error }) {
      if (REFUSALS.has(error.code)) notFound();
    },
  }),
);

/** The result, or null when the procedure answers NOT_FOUND (for notFound() pages). */
export async function orNotFound<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") return null;
    throw error;
  }
}

/**
 * For page titles: the result, or null when the caller may not see it at
 * all. Metadata renders beside the layout that redirects signed-out people,
 * so it must not fail on their behalf.
 */
export async function forTitle<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (
      error instanceof TRPCError &&
      ["NOT_FOUND", "UNAUTHORIZED", "FORBIDDEN"].includes(error.code)
    )
      return null;
    throw error;
  }
}
