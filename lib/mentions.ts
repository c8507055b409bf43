/**
 * Mentions are stored in message bodies as `<@user-uuid>`; editors show them
 * as "@Name". One parser for the server (which records who was mentioned)
 * and the browser (which renders and edits them).
 */

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** `<@uuid>` anywhere in a body; the id is group 1. */
export const MENTION = new RegExp(`<@(${UUID})>`, "gi");

/** At most this many people are notified by one message. */
export const MAX_MENTIONS = 50;

export const mentionToken = (userId: string) => `<@${userId}>`;

/** The users a body mentions, lowercased, each once, in order of first mention, at most 50. */
export function mentionedUserIds(body: string): string[] {
  const ids = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    if (match[1]) ids.add(match[1].toLowerCase());
    if (ids.size === MAX_MENTIONS) break;
  }
  return [...ids];
}

/** `<!channel>` notifies every member; `<!here>` those online now. Typed as "@channel" / "@here". */
export const BROADCAST = /<!(channel|here)>/g;

export type Broadcast = "channel" | "here";

/** Which broadcast mentions a body holds. */
export function broadcastsIn(body: string): Set<Broadcast> {
  return new Set([...body.matchAll(BROADCAST)].map((match) => match[1] as Broadcast));
}
