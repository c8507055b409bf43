/**
 * The one place changes are announced: each recorded change becomes the
 * rings on the bus that the streams listen for. Called after the procedure
 * that recorded them succeeded (server/trpc.ts), never inside a transaction.
 */
import { targetOf } from "@/lib/target";
import { SIGNED_OUT, TOKEN_REVOKED } from "@/server/auth/credentials";
import type { Change } from "@/server/changes";
import { topics } from "./bus";
import { bus } from "./process-bus";

export function publish(changes: Iterable<Change>): void {
  const doorbell = bus();
  for (const change of changes) {
    switch (change.type) {
      case "message":
        doorbell.publish(topics.target(targetOf(change.event)), change.event);
        break;
      case "sidebar":
        for (const userId of change.userIds)
          doorbell.publish(topics.user(userId), { type: "sidebar.changed", ...change.items });
        break;
      case "workspaceSidebar":
        doorbell.publish(topics.workspace(change.workspaceId), {
          type: "sidebar.changed",
          ...change.items,
        });
        break;
      case "access":
        doorbell.publish(topics.user(change.userId), {
          type: "access.changed",
          reason: change.reason,
        });
        break;
      case "tokenRevoked":
        doorbell.publish(topics.tokens, { tokenId: change.tokenId });
        doorbell.publish(topics.token(change.tokenId), {
          type: "access.changed",
          reason: TOKEN_REVOKED,
        });
        break;
      case "sessionsEnded":
        doorbell.publish(topics.sessions, { sessionIds: change.sessionIds });
        doorbell.publish(topics.user(change.userId), {
          type: "access.changed",
          reason: SIGNED_OUT,
        });
        break;
      case "member":
        for (const workspaceId of change.workspaceIds)
          doorbell.publish(topics.workspace(workspaceId), {
            type: "member.changed",
            userId: change.userId,
          });
        break;
      case "typing":
        doorbell.publish(topics.typing(change.target), { ...change.typist, typing: change.typing });
        break;
    }
  }
}
