/** Whether the credential a long-lived stream was opened with still holds. */
import type { Db } from "@/db/client";
import { tokenIsActive } from "@/server/tokens/read";
import type { Authentication } from "@/server/trpc";
import { sessionIsActive } from "./sessions";

// Streams end with these sentences whether a ring or a re-check finds the loss first.
export const TOKEN_REVOKED = "The API token of this stream was revoked.";
export const SIGNED_OUT = "You were signed out; sign in again.";

export const isCredentialLoss = (reason: string) =>
  reason === TOKEN_REVOKED || reason === SIGNED_OUT;

/** Why the credential no longer holds (a revoked token, an ended session), or null. */
export async function credentialLost(
  db: Db,
  authentication: Authentication,
): Promise<string | null> {
  if (authentication.kind === "token") {
    return (await tokenIsActive(db, authentication.tokenId)) ? null : TOKEN_REVOKED;
  }
  if (authentication.sessionId && !(await sessionIsActive(db, authentication.sessionId))) {
    return SIGNED_OUT;
  }
  return null;
}
