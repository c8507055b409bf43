/**
 * Where to send someone after signing in: the `next` they came with, if it
 * is a path on this site, else "/". The one helper every sign-in path uses
 * (the sign-in page and the sign-in and sign-up actions).
 *
 * The value is resolved as a browser would resolve a Location header against
 * the app's origin (AUTH_URL, or a placeholder when unset: only "same origin
 * or not" matters), so every trick that makes a path leave the site — `//x`,
 * `/\x`, `/%09/x`, control characters the URL parser drops — shows up as a
 * different origin. What comes back is a path only, already percent-encoded,
 * so it is always a valid Location header.
 */
import { env } from "./env";

const PLACEHOLDER_ORIGIN = "http://sequent.invalid";
const MAX_LENGTH = 2048;

export function safeNextPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.length > MAX_LENGTH) return "/";
  const configured = env().AUTH_URL;
  const origin = configured ? new URL(configured).origin : PLACEHOLDER_ORIGIN;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return "/";
  }
  if (url.origin !== origin) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // A path like "/.//host" resolves to "//host" on our origin, which a browser
  // would read as another host: never hand such a path out.
  return /^\/[/\\]/.test(path) ? "/" : path;
}
