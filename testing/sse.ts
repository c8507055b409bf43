/**
 * A real tRPC client for tests that go over HTTP and SSE, as an outside
 * developer's Node program would: httpLink for queries and mutations,
 * httpSubscriptionLink (with the `eventsource` package) for subscriptions,
 * authenticated with a Bearer token or a session cookie. The EventSource
 * reconnects by itself with Last-Event-ID, so a stream survives a server
 * restart on the same URL.
 */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "@/server/routers/_app";

export interface Credentials {
  token?: string;
  cookie?: string;
}

function authHeaders(credentials: Credentials): Record<string, string> {
  if (credentials.token) return { authorization: `Bearer ${credentials.token}` };
  if (credentials.cookie) return { cookie: credentials.cookie };
  return {};
}

export function apiClient(baseUrl: string, credentials: Credentials = {}) {
  const headers = authHeaders(credentials);
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${baseUrl}/api/trpc`,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        }),
        false: httpLink({ url: `${baseUrl}/api/trpc`, headers }),
      }),
    ],
  });
}

export interface StreamRecorder<T> {
  events: { id: string | undefined; data: T }[];
  errors: unknown[];
  states: string[];
  completed: boolean;
  until(predicate: (recorder: StreamRecorder<T>) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Records everything a subscription delivers. */
export function record<T>(
  subscribe: (handlers: {
    onData: (value: { id?: string; data: T } | T) => void;
    onError: (error: unknown) => void;
    onComplete: () => void;
    onConnectionStateChange: (state: { state: string }) => void;
  }) => { unsubscribe(): void },
): StreamRecorder<T> {
  const recorder: StreamRecorder<T> = {
    events: [],
    errors: [],
    states: [],
    completed: false,
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(recorder)) {
        if (Date.now() > deadline) {
          throw new Error(
            `timed out after ${recorder.events.length} events; errors: ${recorder.errors.map(String).join("; ")}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => subscription.unsubscribe(),
  };
  const subscription = subscribe({
    onData(value) {
      const tracked = value as { id?: string; data: T };
      if (tracked && typeof tracked === "object" && "data" in tracked && "id" in tracked) {
        recorder.events.push({ id: tracked.id, data: tracked.data });
      } else recorder.events.push({ id: undefined, data: value as T });
    },
    onError: (error) => recorder.errors.push(error),
    onComplete: () => {
      recorder.completed = true;
    },
    onConnectionStateChange: (state) => recorder.states.push(state.state),
  });
  return recorder;
}
