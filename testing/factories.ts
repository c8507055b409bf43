/** Minimal rows for tests of the storage layer, inserted directly. */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  users,
  workspaceMembers,
  workspaces,
} from "@/db/schema";

export async function insertUser(db: Db, name = "Test User") {
  const [user] = await db
    .insert(users)
    .values({ name, email: `${randomUUID()}@test.sequent` })
    .returning({ id: users.id, name: users.name });
  return user as { id: string; name: string };
}

export async function insertWorkspace(db: Db, ownerId: string) {
  const slug = `ws-${randomUUID().slice(0, 12)}`;
  const [workspace] = await db
    .insert(workspaces)
    .values({ name: slug, slug, createdBy: ownerId })
    .returning({ id: workspaces.id });
  await db
    .insert(workspaceMembers)
    .values({ workspaceId: workspace?.id as string, userId: ownerId, role: "owner" });
  return workspace as { id: string };
}

export async function insertChannel(db: Db, workspaceId: string, memberIds: string[]) {
  const [channel] = await db
    .insert(channels)
    .values({ workspaceId, name: `c-${randomUUID().slice(0, 18)}` })
    .returning({ id: channels.id });
  const id = channel?.id as string;
  if (memberIds.length > 0) {
    await db.insert(channelMembers).values(memberIds.map((userId) => ({ channelId: id, userId })));
  }
  return { id };
}

export async function insertConversation(db: Db, workspaceId: string, memberIds: string[]) {
  const [conversation] = await db
    .insert(conversations)
    .values({ workspaceId, memberKey: [...memberIds].sort().join(",") })
    .returning({ id: conversations.id });
  const id = conversation?.id as string;
  await db
    .insert(conversationMembers)
    .values(memberIds.map((userId) => ({ conversationId: id, userId })));
  return { id };
}
