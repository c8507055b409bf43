/**
 * Talking HTTP to a running app server (see app-server.ts) the way an
 * outside client does: sign-up through `auth.signUp`, sign-in through
 * next-auth's credentials endpoint (CSRF token, then the callback), and raw
 * tRPC queries and mutations whose status, headers and JSON body the test
 * inspects itself. Uses Node's global fetch; nothing follows redirects.
 */

/** The JSON body of a tRPC response (no transformer, not batched). */
export interface TrpcBody<T = unknown> {
  result?: { data: T };
  error?: {
    message: string;
    code: number;
    data: {
      code: string;
      httpStatus: number;
      path?: string;
      fieldErrors?: Record<string, string[]> | null;
      retryAfterSeconds?: number | null;
    };
  };
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: TrpcBody<T>;
}

export interface CallOptions {
  /** A Cookie header, as returned by signIn(). */
  cookie?: string;
  /** An API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra request headers (Origin, X-Forwarded-For, …); they win over the above. */
  headers?: HeadersInit;
}

/** The cookies the server set, sent back as one Cookie header. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Keeps the cookies a response sets; an emptied or expired one is dropped. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", setting = ""] = attribute.split("=").map((part) => part.trim());
        if (key.toLowerCase() === "max-age") return Number(setting) <= 0;
        if (key.toLowerCase() === "expires") return Date.parse(setting) <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }

  /** The Cookie request header for everything kept. */
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/** next-auth's session cookie; `__Secure-` prefixed when served over HTTPS. */
const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;

function requestHeaders(options: CallOptions, base: Record<string, string> = {}): Headers {
  const headers = new Headers(base);
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  for (const [name, value] of new Headers(options.headers)) headers.set(name, value);
  return headers;
}

async function result<T>(response: Response): Promise<HttpResult<T>> {
  const text = await response.text();
  let body: TrpcBody<T>;
  try {
    body = JSON.parse(text) as TrpcBody<T>;
  } catch {
    throw new Error(`Expected JSON from ${response.url} (HTTP ${response.status}), got: ${text}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** GET /api/trpc/<path>?input=… */
export async function trpcQuery<T = unknown>(
  baseUrl: string,
  path: string,
  input?: unknown,
  options: CallOptions = {},
): Promise<HttpResult<T>> {
  const url = new URL(`/api/trpc/${path}`, baseUrl);
  if (input !== undefined) url.search = `input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(url, { headers: requestHeaders(options), redirect: "manual" });
  return result<T>(response);
}

/** POST /api/trpc/<path> with the input as a JSON body. */
export async function trpcMutation<T = unknown>(
  baseUrl: string,
  path: string,
  input?: unknown,
  options: CallOptions = {},
): Promise<HttpResult<T>> {
  const response = await fetch(new URL(`/api/trpc/${path}`, baseUrl), {
    method: "POST",
    headers: requestHeaders(options, { "content-type": "application/json" }),
    body: input === undefined ? undefined : JSON.stringify(input),
    redirect: "manual",
  });
  return result<T>(response);
}

/** The data of a successful call; throws with the server's error otherwise. */
export function dataOf<T>(call: HttpResult<T>): T {
  if (call.status !== 200 || !call.body.result) {
    throw new Error(`tRPC call failed with HTTP ${call.status}: ${JSON.stringify(call.body)}`);
  }
  return call.body.result.data;
}

export interface Person {
  email: string;
  name: string;
  password: string;
}

/** Creates an account through `auth.signUp`; returns its user id. */
export async function signUp(
  baseUrl: string,
  person: Person,
  options: CallOptions = {},
): Promise<string> {
  return dataOf(await trpcMutation<{ userId: string }>(baseUrl, "auth.signUp", person, options))
    .userId;
}

export interface SignInAttempt {
  /** Of the credentials callback: 302 either way, 429 when rate limited. */
  status: number;
  headers: Headers;
  /** Where next-auth redirects; carries `error=` when the sign-in failed. */
  location: string | null;
  /** The Cookie header to send as the signed-in person; undefined unless signed in. */
  cookie: string | undefined;
}

/**
 * One credentials sign-in as a browser form would do it: fetch a CSRF token
 * (which sets its cookie), then post the form to the credentials callback.
 * `options.headers` go with both requests (e.g. X-Forwarded-For).
 */
export async function attemptSignIn(
  baseUrl: string,
  email: string,
  password: string,
  options: Pick<CallOptions, "headers"> = {},
): Promise<SignInAttempt> {
  const jar = new CookieJar();
  const csrf = await fetch(new URL("/api/auth/csrf", baseUrl), {
    headers: requestHeaders(options),
    redirect: "manual",
  });
  if (!csrf.ok) throw new Error(`GET /api/auth/csrf answered HTTP ${csrf.status}`);
  jar.store(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };

  const response = await fetch(new URL("/api/auth/callback/credentials", baseUrl), {
    method: "POST",
    headers: requestHeaders(
      { ...options, cookie: jar.header() },
      { "content-type": "application/x-www-form-urlencoded" },
    ),
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: baseUrl }),
    redirect: "manual",
  });
  jar.store(response);
  await response.arrayBuffer();
  const signedIn = jar.names().some((name) => SESSION_COOKIE.test(name));
  return {
    status: response.status,
    headers: response.headers,
    location: response.headers.get("location"),
    cookie: signedIn ? jar.header() : undefined,
  };
}

/** Signs in with email and password; returns the Cookie header of the session. */
export async function signIn(
  baseUrl: string,
  email: string,
  password: string,
  options: Pick<CallOptions, "headers"> = {},
): Promise<string> {
  const attempt = await attemptSignIn(baseUrl, email, password, options);
  if (!attempt.cookie) {
    throw new Error(
      `Sign-in of ${email} failed: HTTP ${attempt.status}, location ${attempt.location ?? "none"}`,
    );
  }
  return attempt.cookie;
}
