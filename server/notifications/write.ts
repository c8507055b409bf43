/** When someone is told about a channel or conversation: its notification level and whether it is muted. */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { storageOf } from "@/db/targets";
import type { Target } from "@/lib/target";
import { type ChangeSet, itemsOf } from "@/server/changes";
import { AppError } from "@/server/errors";
import { type NotifyLevel, notifyLevelOf } from "./read";

export async function setNotifications(
  db: Db,
  changes: ChangeSet,
  userId: string,
  target: Target,
  settings: { level?: NotifyLevel; muted?: boolean },
) {
  if (settings.level === undefined && settings.muted === undefined)
    throw new AppError("BAD_REQUEST", "level, muted: give at least one to change.");
  const stored = storageOf(target);
  const [row] = await db
    .update(stored.members)
    .set({
      ...(settings.level !== undefined ? { notify: settings.level } : {}),
      ...(settings.muted !== undefined ? { muted: settings.muted } : {}),
    })
    .where(and(eq(stored.memberTarget, target.id), eq(stored.memberUser, userId)))
    .returning({ notify: stored.members.notify, muted: stored.members.muted });
  if (!row)
    throw new AppError("NOT_FOUND", "You are not a member of this channel or conversation.");
  changes.sidebar([userId], itemsOf(target));
  return { level: notifyLevelOf(target.kind, row.notify), muted: row.muted };
}
