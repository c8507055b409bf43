/**
 * The safe Markdown of chat messages: a body as React elements, or as plain text.
 *
 * markdown-it parses (./parse.ts says which subset); tokens become React
 * elements (./render.ts), never an HTML string. This file holds the policy:
 * links are limited to http(s) and mailto URLs checked with the URL parser,
 * and mentions (`<@uuid>`) show a name from the caller, never the raw token.
 */
import type { ReactNode } from "react";
import { parse } from "./parse";
import { fragmentOf, type RenderContext, renderTokens, tokensText } from "./render";

export interface MessageRenderOptions {
  /** The display name of a mentioned user (ids arrive lowercased), or undefined when unknown. */
  resolveMention: (userId: string) => string | undefined;
  /** Mentions of this user are marked with the "mention-me" class. */
  currentUserId?: string;
}

const MAX_URL_LENGTH = 2048;
/** Control, format (bidi overrides, zero-width), unassigned and separator characters, and backslashes. */
const UNSAFE_URL_CHARACTER = /[\p{C}\p{Z}\\]/u;
const ALLOWED_URL_PREFIX = /^(?:https?:\/\/|mailto:)/i;

/**
 * The href for a link destination, or null when it is not a plain http(s) or
 * mailto URL. The scheme must be spelled out literally at the start, so
 * entity- or percent-encoded schemes, relative and protocol-relative URLs all
 * fail, and any control, invisible or whitespace character rejects the whole
 * URL instead of being silently dropped by the URL parser ("java\tscript:").
 */
function safeHref(raw: string): string | null {
  if (raw.length > MAX_URL_LENGTH || UNSAFE_URL_CHARACTER.test(raw)) return null;
  if (!ALLOWED_URL_PREFIX.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol === "http:" || url.protocol === "https:") return url.hostname ? url.href : null;
  if (url.protocol === "mailto:") return url.pathname ? url.href : null;
  return null;
}

function contextOf(
  resolveMention: (userId: string) => string | undefined,
  currentUserId?: string,
): RenderContext {
  const me = currentUserId?.toLowerCase();
  return {
    name: (userId) => resolveMention(userId)?.trim() || "unknown",
    isMe: (userId) => userId === me,
    href: safeHref,
  };
}

/**
 * A message body as React elements: paragraphs, quotes, lists, code, emphasis,
 * safe links and resolved mentions. Never throws on any body; an empty body
 * renders nothing.
 */
export function renderMessage(body: string, options: MessageRenderOptions): ReactNode {
  return fragmentOf(
    renderTokens(parse(body), contextOf(options.resolveMention, options.currentUserId)),
  );
}

/**
 * A body as plain text for previews, notifications and live-region
 * announcements: no markup, mentions as "@Name", links as their text, blocks
 * and line breaks as newlines.
 */
export function plainText(
  body: string,
  resolveMention: (userId: string) => string | undefined,
): string {
  return tokensText(parse(body), contextOf(resolveMention));
}
