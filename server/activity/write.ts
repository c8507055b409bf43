/** Marking one's activity as seen. */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { workspaceMembers } from "@/db/schema";
import type { ChangeSet } from "@/server/changes";

export async function markActivityRead(
  db: Db,
  changes: ChangeSet,
  userId: string,
  workspaceId: string,
) {
  await db
    .update(workspaceMembers)
    .set({ activityReadAt: sql`now()` })
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  changes.sidebar([userId], { activity: true });
  return { ok: true as const };
}
