/**
 * What each API request and event stream leaves behind: one log line when
 * its response is ready, one when a stream opens and one when it closes, and
 * the request metrics (server/metrics.ts). Both HTTP entries to the API call
 * it — the Next.js route handler and the Node HTTP server — so their lines
 * and metrics are the same.
 *
 * A line says what happened, never what was said: method, path (no query:
 * subscription inputs travel there), procedures, status, duration, request
 * id and user id. No bodies, headers, cookies or tokens.
 *
 * The request id is the client's X-Request-Id when it looks like one
 * (bounded, safe characters — a proxy's or load balancer's id joins our lines
 * to theirs), else a new UUID; the entry echoes it in the response.
 */
import { randomUUID } from "node:crypto";
import type { AnyTRPCRouter } from "@trpc/server";
import { log, withRequestId } from "@/server/log";
import { metrics } from "@/server/metrics";

export const REQUEST_ID_HEADER = "X-Request-Id";

const SANE_REQUEST_ID = /^[A-Za-z0-9._~:=+/-]{1,128}$/;
const MAX_LOGGED_PATH = 200;
const MAX_CALLS = 50;

/** The request's id: the client's X-Request-Id when sane, else a new one. */
export function requestIdOf(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The procedures a tRPC path names ("a,b" for a batch), as metric labels:
 * names the router does not have become "(unknown)", so a client cannot
 * invent label values.
 */
export function procedureLabels(router: AnyTRPCRouter, path: string): string[] {
  const procedures = router._def.procedures as Record<string, unknown>;
  return path
    .split(",")
    .slice(0, MAX_CALLS)
    .map((name) => (Object.hasOwn(procedures, name) ? name : "(unknown)"));
}

export interface ObservedRequest {
  method: string;
  /** The request URL (absolute, or a path). */
  url: string | URL;
  headers: Headers;
}

export interface RequestObservation {
  readonly requestId: string;
  /** Runs `fn` as this request: every line logged inside carries its id. */
  run<T>(fn: () => T): T;
  /** The signed-in user, once known. */
  setUser(userId: string | null | undefined): void;
  /** One call of the request failed with this HTTP status (a batch reports each). */
  failed(procedure: string, status: number): void;
  /**
   * The response's status is decided (a stream's body may go on): logs the
   * request's line and counts it, once. `procedures` as procedureLabels gives them.
   */
  done(status: number, procedures?: readonly string[]): void;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

export function observeRequest(request: ObservedRequest): RequestObservation {
  const startedAt = performance.now();
  const requestId = requestIdOf(request.headers);
  let userId: string | undefined;
  const failures: { procedure: string; status: number }[] = [];
  let finished = false;
  return {
    requestId,
    run: (fn) => withRequestId(requestId, fn),
    setUser(id) {
      userId = id ?? undefined;
    },
    failed(procedure, status) {
      if (failures.length < MAX_CALLS) failures.push({ procedure, status });
    },
    done(status, procedures = []) {
      if (finished) return;
      finished = true;
      const seconds = (performance.now() - startedAt) / 1000;
      const { requests, requestSeconds, sends } = metrics();
      const unmatched = [...failures];
      for (const procedure of procedures.length > 0 ? procedures : ["(none)"]) {
        const failure = unmatched.findIndex((entry) => entry.procedure === procedure);
        // A batch with failures answers 207; its other calls succeeded.
        const callStatus =
          failure >= 0
            ? (unmatched.splice(failure, 1)[0]?.status ?? status)
            : status === 207
              ? 200
              : status;
        const labels = { procedure, status_class: statusClass(callStatus) };
        requests.inc(labels);
        requestSeconds.observe(labels, seconds);
        if (procedure === "message.send" && callStatus < 300) sends.inc();
      }
      const url = typeof request.url === "string" ? new URL(request.url, "http://x") : request.url;
      log()[status >= 500 ? "warn" : "info"](
        {
          requestId,
          method: request.method,
          path: url.pathname.slice(0, MAX_LOGGED_PATH),
          procedures: procedures.length > 0 ? procedures : undefined,
          status,
          ms: Math.round(seconds * 10_000) / 10,
          userId,
          failed: failures.length > 0 ? failures : undefined,
        },
        "request",
      );
    },
  };
}

export interface StreamObservation {
  /** An event (not a ping) was written. */
  delivered(): void;
  /** The stream ended; `reason` says why ("client", "max age", "shutdown", "done", "error", …). */
  closed(reason: string): void;
}

/** An event stream opened: logs it, counts it open until closed() logs how it ended. */
export function observeStream(facts: {
  procedure: string;
  requestId?: string;
  userId?: string;
}): StreamObservation {
  const startedAt = performance.now();
  const { streamsOpen, eventsDelivered } = metrics();
  let events = 0;
  let open = true;
  streamsOpen.inc();
  log().info({ ...facts }, "stream opened");
  return {
    delivered() {
      events++;
      eventsDelivered.inc();
    },
    closed(reason) {
      if (!open) return;
      open = false;
      streamsOpen.dec();
      log().info(
        { ...facts, reason, events, ms: Math.round(performance.now() - startedAt) },
        "stream closed",
      );
    },
  };
}
