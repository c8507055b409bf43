/**
 * The server-side caller for Server Components: the same procedures and
 * middleware as over HTTP, with the request's session, without a network hop.
 */
import "server-only";
import { TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { cache } from "react";
import { createRequestContext } from "./context";
import { rateLimitAddress } from "./http";
import { currentPeer } from "./http/peer";
import { appRouter } from "./routers/_app";
import { createCallerFactory } from "./trpc";

const createCaller = createCallerFactory(appRouter);

/** One caller per request (React's cache), with the request's cookies and client address. */
export const serverCaller = cache(async () =>
  createCaller(
    await createRequestContext(new Headers(await headers()), {
      clientAddress: rateLimitAddress(currentPeer()),
    }),
  ),
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
