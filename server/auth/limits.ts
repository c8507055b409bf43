/**
 * Sign-in rate limits. Every attempt counts against the client's address (a
 * fixed window); attempts on one account pass an attempt gate that counts
 * each one before its password is checked and, past RATE_LIMIT_SIGN_IN's
 * count, makes the next wait a delay that doubles up to
 * SIGN_IN_MAX_DELAY_SECONDS. A success clears the account's count. So
 * concurrent guesses cannot outrun the count, and nobody can lock an
 * account for longer than the cap.
 *
 * Keys come only from validated values: an email that passed ZEmailSchema
 * (at most 320 characters) and the client's address bucket from server/http.
 */
import { env } from "@/lib/env";
import {
  attemptDelay,
  beginAttempt,
  clearAttempts,
  type GatePolicy,
  hit,
  peek,
  type Verdict,
} from "@/server/ratelimit";
import { ZEmailSchema } from "@/server/schemas";

const accountKey = (email: string) => `signin:account:${email}`;
const addressKey = (address: string) => `signin:ip:${address}`;

function policy(): GatePolicy {
  const config = env();
  return {
    free: config.RATE_LIMIT_SIGN_IN.count,
    memoryMs: config.RATE_LIMIT_SIGN_IN.windowMs,
    maxDelayMs: config.SIGN_IN_MAX_DELAY_SECONDS * 1000,
  };
}

/** The validated email, or undefined when `value` is not one. */
export function signInEmail(value: unknown): string | undefined {
  const parsed = ZEmailSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether a sign-in would be refused now, without counting anything (for the
 * credentials endpoint's 429). `email` must come from signInEmail.
 */
export async function signInRefused(
  email: string | undefined,
  address: string | null,
): Promise<Verdict | undefined> {
  const verdicts = await Promise.all([
    address ? peek(addressKey(address), env().RATE_LIMIT_SIGN_IN_IP) : undefined,
    email ? attemptDelay(accountKey(email)) : undefined,
  ]);
  return verdicts.find((verdict) => verdict && !verdict.ok);
}

/** Counts an attempt from this address, whatever it carries; a refusal when over the limit. */
export async function countAddressAttempt(address: string | null): Promise<Verdict | undefined> {
  if (!address) return undefined;
  const verdict = await hit(addressKey(address), env().RATE_LIMIT_SIGN_IN_IP);
  return verdict.ok ? undefined : verdict;
}

/** Counts an attempt on an account before its password is checked; a refusal while it must wait. */
export async function countAccountAttempt(email: string): Promise<Verdict | undefined> {
  const verdict = await beginAttempt(accountKey(email), policy());
  return verdict.ok ? undefined : verdict;
}

/** The password was right: the account's count starts afresh. */
export function accountAttemptSucceeded(email: string): Promise<void> {
  return clearAttempts(accountKey(email));
}
