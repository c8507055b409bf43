/**
 * Plain HTTP calls of tRPC mutations for the delivery suite, as a bot would
 * make them: a JSON POST with a Bearer token or a session cookie, a time
 * limit, and an answer sorted into ok / error / network failure, so the
 * caller decides what to retry. Error bodies are kept (shortened) so the run
 * can report any answer that shows the server's internals.
 */

export interface Credentials {
  token?: string;
  cookie?: string;
}

export type CallResult<T> =
  | { kind: "ok"; data: T }
  | {
      kind: "error";
      status: number;
      /** The tRPC error code, when the body was a tRPC error. */
      code: string | undefined;
      retryAfterSeconds: number | undefined;
      text: string;
    }
  | { kind: "network"; error: string };

export function authHeaders(credentials: Credentials): Record<string, string> {
  if (credentials.token) return { authorization: `Bearer ${credentials.token}` };
  if (credentials.cookie) return { cookie: credentials.cookie };
  return {};
}

/** POST /api/trpc/<path> with `input` as JSON; never throws. */
export async function mutate<T>(
  baseUrl: string,
  path: string,
  input: unknown,
  credentials: Credentials,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<CallResult<T>> {
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  try {
    const response = await fetch(`${baseUrl}/api/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...authHeaders(credentials) },
      body: JSON.stringify(input),
      redirect: "manual",
      signal: AbortSignal.any(signals),
    });
    const text = await response.text();
    let body: { result?: { data: T }; error?: { data?: { code?: string } } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status === 200 && body?.result) return { kind: "ok", data: body.result.data };
    const retryAfter = Number(response.headers.get("retry-after"));
    return {
      kind: "error",
      status: response.status,
      code: body?.error?.data?.code,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      text: text.slice(0, 2_000),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      kind: "network",
      error: cause?.code ?? cause?.message ?? (error as Error).name ?? String(error),
    };
  }
}

/**
 * What in an error answer would show the server's internals: SQL, driver
 * and connection errors, stack frames, file paths. Null when nothing does.
 */
export function exposedInternals(text: string): string | null {
  const patterns: [string, RegExp][] = [
    ["SQL", /\b(select\s+[\w*"]|insert\s+into|update\s+"?\w+"?\s+set|delete\s+from)\b/i],
    ["database error", /terminating connection|duplicate key|violates|relation "|syntax error at/i],
    ["socket error", /\bE(CONN\w+|PIPE|TIMEDOUT|HOSTUNREACH)\b/],
    ["Redis error", /MaxRetriesPerRequest|Connection is closed|ioredis/i],
    ["stack frame", /\bat \S+ \(\S+:\d+:\d+\)|"stack"\s*:\s*"/],
    ["file path", /node_modules|\/work\/|\.(ts|js):\d+/],
  ];
  for (const [what, pattern] of patterns) {
    const match = pattern.exec(text);
    if (match) return `${what}: …${text.slice(Math.max(0, match.index - 60), match.index + 80)}…`;
  }
  return null;
}
