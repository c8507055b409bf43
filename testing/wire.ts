/**
 * Calls a procedure the way a client does: JSON over tRPC's fetch adapter
 * (GET `?input=` for queries, a JSON POST for mutations), so a test sees the
 * status code and the error exactly as the error formatter shapes them.
 * Subscriptions, whose errors travel inside an SSE stream, are called through
 * a server-side caller and shaped by the same formatter.
 */
import { getErrorShape, TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Db } from "@/db/client";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory, createContextInner } from "@/server/trpc";
import type { SessionUser } from "@/server/users/read";

export interface WireError {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    path?: string;
    fieldErrors: Record<string, string[]> | null;
    retryAfterSeconds: number | null;
  };
}

export interface WireResponse {
  status: number;
  result?: { data: unknown };
  error?: WireError;
  /** The underlying cause of an INTERNAL_SERVER_ERROR, for the failure message. */
  internalCause?: unknown;
}

type ProcedureType = "query" | "mutation" | "subscription";

const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: ProcedureType } }
>;
const createCaller = createCallerFactory(appRouter);

/** Calls `path` with `input` (omitted when undefined) as `user`, or with no session when null. */
export async function callOverWire(
  db: Db,
  user: SessionUser | null,
  path: string,
  input: unknown,
): Promise<WireResponse> {
  const type = procedures[path]?._def.type;
  if (!type) throw new Error(`no procedure at ${path}`);
  const context = (headers: Headers, resHeaders?: Headers) =>
    createContextInner({
      db,
      headers,
      resHeaders,
      user,
      authentication: user ? { kind: "session" } : null,
    });
  let internalCause: unknown;

  if (type === "subscription") {
    const ctx = context(new Headers());
    try {
      const subscribe = path
        .split(".")
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown>)[key],
          createCaller(ctx),
        ) as (input: unknown) => Promise<AsyncIterable<unknown>>;
      // As over the wire, the input is whatever survives JSON (the SSE request's `?input=`).
      const iterable = await subscribe(
        input === undefined ? undefined : JSON.parse(JSON.stringify(input)),
      );
      await iterable[Symbol.asyncIterator]().return?.();
      return { status: 200, result: { data: null } };
    } catch (cause) {
      const error =
        cause instanceof TRPCError
          ? cause
          : new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause });
      const shape = getErrorShape({
        config: appRouter._def._config,
        error,
        type,
        path,
        input,
        ctx,
      });
      return {
        status: shape.data.httpStatus,
        error: shape as WireError,
        internalCause: error.code === "INTERNAL_SERVER_ERROR" ? (error.cause ?? error) : undefined,
      };
    }
  }

  const url = new URL(`http://sequent.test/api/trpc/${path}`);
  const init: RequestInit = { method: type === "query" ? "GET" : "POST" };
  if (type === "query") {
    if (input !== undefined) url.searchParams.set("input", JSON.stringify(input));
  } else {
    init.headers = { "content-type": "application/json" };
    if (input !== undefined) init.body = JSON.stringify(input);
  }
  const response = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req: new Request(url, init),
    router: appRouter,
    createContext: ({ req, resHeaders }) => context(req.headers, resHeaders),
    onError({ error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") internalCause = error.cause ?? error;
    },
  });
  const body = (await response.json()) as Omit<WireResponse, "status">;
  return { status: response.status, ...body, internalCause };
}
