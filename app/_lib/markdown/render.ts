/**
 * markdown-it tokens as React elements, or as plain text.
 *
 * Nothing here makes an HTML string: every token becomes an element we choose
 * or a text child that React escapes, so markup typed into a message is shown,
 * never interpreted. Tokens are flat (open, content, close), so both walks use
 * an explicit stack instead of recursion: a body nested thousands deep costs
 * what a flat one does and cannot exhaust the stack.
 */
import type { Token } from "markdown-it";
import { createElement, Fragment, type ReactElement, type ReactNode } from "react";
import { BROADCAST, MENTION } from "@/lib/mentions";

export interface RenderContext {
  /** The name to show for a mentioned user (ids arrive lowercased). */
  name: (userId: string) => string;
  isMe: (userId: string) => boolean;
  /** The href for a link destination as typed, or null to show the link as text. */
  href: (destination: string) => string | null;
}

/** Emphasis nested deeper than this keeps its text but loses its elements. */
const MAX_INLINE_DEPTH = 16;
const LANGUAGE = /^[\w+#.-]{1,32}$/;
const ESCAPED_PUNCTUATION = /\\([!-/:-@[-`{-~])/g;

/** Code stays literal, except that a mention shows as "@Name": the raw token is never shown. */
function withNames(text: string, context: RenderContext): string {
  return text
    .replace(MENTION, (_, id: string) => `@${context.name(id.toLowerCase())}`)
    .replace(BROADCAST, (_, which: string) => `@${which}`);
}

/** A fence's code without the newline that ends its last line. */
function fenceCode(token: Token, context: RenderContext): string {
  return withNames(
    token.content.endsWith("\n") ? token.content.slice(0, -1) : token.content,
    context,
  );
}

/** The first word of a fence's info string if it is a plain language name, lowercased. */
function languageOf(info: string): string | undefined {
  const word = info.replace(ESCAPED_PUNCTUATION, "$1").trim().split(/\s/, 1)[0] ?? "";
  return LANGUAGE.test(word) ? word.toLowerCase() : undefined;
}

/** What is shown around the text of a link that may not be a link: as it was typed. */
function refusedLink(token: Token, context: RenderContext): { before: string; after: string } {
  if (token.markup === "autolink") return { before: "<", after: ">" };
  if (token.markup === "linkify") return { before: "", after: "" };
  const target = typeof token.meta?.target === "string" ? token.meta.target : "";
  return { before: "[", after: `](${withNames(target, context)})` };
}

/**
 * An open element: what it becomes, and its children so far. A frame that
 * becomes no element (emphasis past the cap, a refused link) writes straight
 * into its parent's children, so deep nesting never moves a child twice.
 */
interface Frame {
  make: ((key: number, children: ReactNode[]) => ReactElement) | null;
  children: ReactNode[];
  /** Text that follows the children when the frame closes (a refused link's target). */
  after: string;
  emphasis: boolean;
  link: boolean;
}

const frame = (make: Frame["make"], emphasis = false, after = "", link = false): Frame => ({
  make,
  children: [],
  after,
  emphasis,
  link,
});

/** Adjacent strings become one text node, as React would otherwise separate them with comments. */
function append(children: ReactNode[], node: ReactNode) {
  const last = children.length - 1;
  if (typeof node === "string" && typeof children[last] === "string") {
    children[last] += node;
  } else if (node !== "") {
    children.push(node);
  }
}

const element =
  (type: string, props: Record<string, unknown> = {}) =>
  (key: number, children: ReactNode[]) =>
    createElement(type, { ...props, key }, children.length > 0 ? children : undefined);

/**
 * Block tokens (with their inline children) as React nodes. Every element
 * gets a key unique in the whole tree, so frames that dissolve into their
 * parent cannot make siblings with equal keys.
 */
export function renderTokens(tokens: Token[], context: RenderContext): ReactNode[] {
  const root = frame(null);
  const stack: Frame[] = [root];
  let key = 0;
  let emphasisDepth = 0;
  let linkDepth = 0;
  const top = () => stack[stack.length - 1] ?? root;
  const open = (f: Frame) => {
    if (f.emphasis) emphasisDepth++;
    if (f.link) linkDepth++;
    if (!f.make) f.children = top().children;
    stack.push(f);
  };
  const close = () => {
    const f = stack.pop();
    if (!f || f === root) {
      stack.push(root);
      return;
    }
    if (f.emphasis) emphasisDepth--;
    if (f.link) linkDepth--;
    append(f.children, f.after);
    if (f.make) append(top().children, f.make(key++, f.children));
  };
  const leaf = (node: ReactNode) => append(top().children, node);

  const inline = (children: Token[]) => {
    const base = stack.length;
    for (const token of children) {
      switch (token.type) {
        case "text":
          leaf(token.content);
          break;
        case "softbreak":
        case "hardbreak":
          // Chat: every newline typed is a line break.
          leaf(createElement("br", { key: key++ }));
          break;
        case "code_inline":
          leaf(
            createElement(
              "code",
              { key: key++, className: "md-code" },
              withNames(token.content, context),
            ),
          );
          break;
        case "mention": {
          const className = context.isMe(token.content) ? "mention mention-me" : "mention";
          leaf(createElement("span", { key: key++, className }, `@${context.name(token.content)}`));
          break;
        }
        case "broadcast":
          // @channel and @here reach everyone, the reader included.
          leaf(
            createElement(
              "span",
              { key: key++, className: "mention mention-me" },
              `@${token.content}`,
            ),
          );
          break;
        case "strong_open":
        case "em_open":
        case "s_open": {
          const tag = token.type === "s_open" ? "del" : token.tag;
          open(frame(emphasisDepth < MAX_INLINE_DEPTH ? element(tag) : null, true));
          break;
        }
        case "link_open": {
          const destination = String(token.attrGet("href") ?? "");
          const href = context.href(destination);
          if (linkDepth > 0) {
            // An autolink inside a link's text: <a> cannot hold <a>, so it stays text.
            open(frame(null, false, "", true));
          } else if (href === null) {
            const { before, after } = refusedLink(token, context);
            leaf(before);
            open(frame(null, false, after));
          } else {
            const link = element("a", {
              className: "md-link",
              href,
              rel: "noopener noreferrer nofollow",
              target: "_blank",
            });
            // A link without text would be invisible: it shows its destination.
            open(
              frame(
                (k, c) => link(k, c.length > 0 ? c : [withNames(destination, context)]),
                false,
                "",
                true,
              ),
            );
          }
          break;
        }
        case "strong_close":
        case "em_close":
        case "s_close":
        case "link_close":
          if (stack.length > base) close();
          break;
        default:
          if (token.nesting === 1) open(frame(null));
          else if (token.nesting === -1) {
            if (stack.length > base) close();
          } else leaf(withNames(token.content, context));
      }
    }
    while (stack.length > base) close();
  };

  for (const token of tokens) {
    switch (token.type) {
      case "inline":
        inline(token.children ?? []);
        break;
      case "paragraph_open":
        // A tight list item shows its text without a paragraph around it.
        open(frame(token.hidden ? null : element("p")));
        break;
      case "blockquote_open":
        open(frame(element("blockquote", { className: "md-quote" })));
        break;
      case "bullet_list_open":
        open(frame(element("ul", { className: "md-list" })));
        break;
      case "ordered_list_open": {
        const start = Number(token.attrGet("start") ?? 1);
        open(
          frame(element("ol", { className: "md-list", start: start === 1 ? undefined : start })),
        );
        break;
      }
      case "list_item_open":
        open(frame(element("li")));
        break;
      case "fence":
        leaf(
          createElement(
            "pre",
            { key: key++, className: "md-pre", "data-language": languageOf(token.info) },
            createElement("code", null, fenceCode(token, context)),
          ),
        );
        break;
      default:
        if (token.nesting === 1) open(frame(null));
        else if (token.nesting === -1) close();
    }
  }
  while (stack.length > 1) close();
  return root.children;
}

/** The text of one block's inline tokens: mentions as names, links as their text, breaks as newlines. */
function inlineText(children: Token[], context: RenderContext): string {
  let out = "";
  // Per open link: the text that follows it, where its text starts, and what shows when it has none.
  const links: { after: string; start: number; fallback: string }[] = [];
  for (const token of children) {
    switch (token.type) {
      case "text":
        out += token.content;
        break;
      case "softbreak":
      case "hardbreak":
        out += "\n";
        break;
      case "code_inline":
        out += withNames(token.content, context);
        break;
      case "mention":
        out += `@${context.name(token.content)}`;
        break;
      case "broadcast":
        out += `@${token.content}`;
        break;
      case "link_open": {
        const destination = String(token.attrGet("href") ?? "");
        if (context.href(destination) === null) {
          const refused = refusedLink(token, context);
          out += refused.before;
          links.push({ after: refused.after, start: out.length, fallback: "" });
        } else {
          links.push({ after: "", start: out.length, fallback: withNames(destination, context) });
        }
        break;
      }
      case "link_close": {
        const link = links.pop();
        if (link && out.length === link.start) out += link.fallback;
        out += link?.after ?? "";
        break;
      }
      default:
        if (token.nesting === 0) out += withNames(token.content, context);
    }
  }
  return out;
}

/** Block tokens as plain text: each paragraph and code block on its own lines. */
export function tokensText(tokens: Token[], context: RenderContext): string {
  const blocks: string[] = [];
  for (const token of tokens) {
    if (token.type === "inline") blocks.push(inlineText(token.children ?? [], context));
    else if (token.type === "fence") blocks.push(fenceCode(token, context));
  }
  return blocks.join("\n");
}

/** The React root for rendered nodes, or null when there are none. */
export function fragmentOf(nodes: ReactNode[]): ReactNode {
  return nodes.length === 0 ? null : createElement(Fragment, null, nodes);
}
