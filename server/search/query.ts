/**
 * The search box's language, parsed into full-text terms and filters:
 *
 *   words  "a phrase"  -excluded  this OR that
 *   in:#channel  in:@person (a conversation with them)  from:@person
 *   before:2026-12-01  after:2026-11-01  on:2026-11-30  has:link
 *
 * A filter that does not parse is searched as text, so nothing typed is
 * silently lost. The last word, while it is being typed (no space after
 * it), also matches as a prefix.
 */

export interface SearchQuery {
  /** Terms for PostgreSQL's websearch_to_tsquery (quotes, OR and -word kept as typed). */
  text: string;
  /** The word being typed, matched as a prefix; null when there is none. */
  prefix: string | null;
  inChannels: string[];
  inPeople: string[];
  fromPeople: string[];
  /**
   * Days, as YYYY-MM-DD in UTC. As in Slack, the named day itself is left out
   * by `before` (sent before it starts) and by `after` (sent from the next
   * day on); `on` is that day.
   */
  before: string | null;
  after: string | null;
  on: string | null;
  hasLink: boolean;
}

/** Splits on white space, keeping quoted runs (with a leading - or filter prefix) together. */
function tokens(input: string): string[] {
  const found: string[] = [];
  const pattern = /(?:[^\s"]*"[^"]*"?)|[^\s]+/g;
  for (const match of input.matchAll(pattern)) found.push(match[0]);
  return found;
}

const unquote = (value: string) => value.replace(/^"|"$/g, "").trim();

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (value: string) => DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

/** A word the prefix match can take: letters and digits only. */
const PREFIXABLE = /^[\p{L}\p{N}]{1,64}$/u;

export function parseSearch(input: string): SearchQuery {
  const query: SearchQuery = {
    text: "",
    prefix: null,
    inChannels: [],
    inPeople: [],
    fromPeople: [],
    before: null,
    after: null,
    on: null,
    hasLink: false,
  };
  const text: string[] = [];
  for (const token of tokens(input)) {
    const colon = token.indexOf(":");
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : "";
    const value = colon > 0 ? token.slice(colon + 1) : "";
    if (key === "in" && value.startsWith("#") && value.length > 1) {
      query.inChannels.push(value.slice(1).toLowerCase());
    } else if (key === "in" && value.startsWith("@") && unquote(value.slice(1))) {
      query.inPeople.push(unquote(value.slice(1)));
    } else if (key === "from" && value.startsWith("@") && unquote(value.slice(1))) {
      query.fromPeople.push(unquote(value.slice(1)));
    } else if ((key === "before" || key === "after" || key === "on") && isDay(value)) {
      query[key] = value;
    } else if (key === "has" && value.toLowerCase() === "link") {
      query.hasLink = true;
    } else {
      text.push(token);
    }
  }
  const last = text.at(-1);
  const typing = input.length > 0 && !/\s$/.test(input);
  if (last && typing && PREFIXABLE.test(last) && last !== "OR") {
    query.prefix = last.toLowerCase();
    text.pop();
  }
  query.text = text.join(" ");
  return query;
}

/** Whether a query says anything to search for. */
export const isEmptySearch = (query: SearchQuery) =>
  !query.text &&
  !query.prefix &&
  query.inChannels.length === 0 &&
  query.inPeople.length === 0 &&
  query.fromPeople.length === 0 &&
  !query.before &&
  !query.after &&
  !query.on &&
  !query.hasLink;
