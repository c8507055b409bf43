/** Whether the credential a long-lived stream was opened with still holds. */
import type { Db } from "@/db/client";
import { tokenIsActive } from "@/server/tokens/read";
import type { Authentication } from "@/server/trpc";
import { sessionIsActive } from "./sessions";

/** Why the credential no longer holds (a revoked token, an ended session), or null. */
export async function credentialLost(
  db: Db,
  authentication: Authentication,
): Promise<string | null> {
  if (authentication.kind === "token") {
    return (await tokenIsActive(db, authentication.tokenId))
      ? null
      : "The API token of this stream was revoked.";
  }
  if (authentication.sessionId && !(await sessionIsActive(db, authentication.sessionId))) {
    return "You were signed out; sign in again.";
  }
  return null;
}
