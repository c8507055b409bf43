import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { sequenceOf } from "@/app/_lib/ids";
import { ConversationView } from "../conversation-view";
import { generateMetadata as conversationMetadata } from "../page";

type Params = Promise<{ workspaceId: string; conversationId: string; sequence: string }>;
type Search = Promise<{ thread?: string | string[] }>;

export function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return conversationMetadata({ params });
}

/** A message's permalink: its conversation's history around it, the message highlighted. */
export default async function ConversationMessagePage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: Search;
}) {
  const [{ workspaceId, conversationId, sequence }, { thread }] = await Promise.all([
    params,
    searchParams,
  ]);
  const at = sequenceOf(sequence);
  if (at === null) notFound();
  return (
    <ConversationView
      workspaceId={workspaceId}
      conversationId={conversationId}
      at={at}
      thread={typeof thread === "string" ? thread : null}
    />
  );
}
