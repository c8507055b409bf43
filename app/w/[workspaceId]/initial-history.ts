/**
 * Which history a channel or conversation page renders first: around a
 * linked message, from just before the first unread one, or the newest page
 * — and where the list starts reading.
 */
import "server-only";
import type { InitialHistory } from "@/app/_lib/chat-store";
import type { Message } from "@/app/_lib/types";
import type { TargetInput } from "@/lib/target";
import type { serverCaller } from "@/server/caller";

type Caller = Awaited<ReturnType<typeof serverCaller>>;

const PAGE = 50;
/** Read messages shown above the first unread one, for context. */
const CONTEXT = 10;
/** Up to this many unread messages load at once; beyond, the list loads newer ones as you read. */
const UNREAD_PAGE = 100;

export async function initialHistory(
  caller: Caller,
  place: TargetInput,
  state: { lastSequence: number; lastReadSequence: number; unreadCount: number },
  at: number | null,
): Promise<InitialHistory> {
  const window = (messages: Message[], anchor: number | null, highlight: number | null) => ({
    messages,
    hasOlder: (messages[0]?.sequence ?? 1) > 1,
    hasNewer: (messages.at(-1)?.sequence ?? 0) < state.lastSequence,
    readAt: state.lastReadSequence,
    anchor,
    highlight,
  });
  if (at !== null) {
    const messages = await caller.message.list({
      ...place,
      after: Math.max(at - PAGE / 2, 0),
      limit: PAGE,
    });
    return window(messages, at, at);
  }
  if (state.unreadCount > 0 && state.lastReadSequence < state.lastSequence) {
    const messages = await caller.message.list({
      ...place,
      after: Math.max(state.lastReadSequence - CONTEXT, 0),
      limit: UNREAD_PAGE,
    });
    return window(messages, state.lastReadSequence + 1, null);
  }
  return window(await caller.message.list({ ...place, limit: PAGE }), null, null);
}
