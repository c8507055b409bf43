"use client";
/**
 * The browser's tRPC client: batched HTTP for queries and mutations, one
 * SSE EventSource per subscription (the tab stream), cookies for auth.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { MAX_BATCH_SIZE } from "@/lib/limits";
import type { AppRouter } from "@/server/routers/_app";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: "/api/trpc" }),
        false: httpBatchLink({ url: "/api/trpc", maxURLLength: 4000, maxItems: MAX_BATCH_SIZE }),
      }),
    ],
  });
}

export type TrpcClient = ReturnType<typeof makeTrpcClient>;

/** The error's message and per-field messages, from a tRPC client error. */
export function describeError(error: unknown): {
  message: string;
  fields: Record<string, string[]>;
  code?: string;
} {
  const shape = error as {
    message?: string;
    data?: {
      code?: string;
      fieldErrors?: Record<string, string[]> | null;
      retryAfterSeconds?: number | null;
    };
  };
  const code = shape?.data?.code;
  if (!code) {
    return {
      message: "Can't reach Sequent. Check your connection; we'll keep trying.",
      fields: {},
    };
  }
  return {
    message: shape.message ?? "Something went wrong.",
    fields: shape.data?.fieldErrors ?? {},
    code,
  };
}
