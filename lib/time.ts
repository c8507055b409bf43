/**
 * Time as the API speaks it (ISO 8601 strings) and as people read it (in
 * their own locale and time zone): every formatter of the app is here.
 */

/** Timestamps arrive as Date (query builder) or string (raw SQL); clients get ISO 8601. */
export function isoTime(value: Date | string): string;
export function isoTime(value: Date | string | null): string | null;
export function isoTime(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

const formats = {
  /** "Tuesday, December 1, 2026": day dividers. */
  day: new Intl.DateTimeFormat(undefined, {
    weekday: "long",
    month: "long",
    day: "numeric",
    year: "numeric",
  }),
  /** "4:05 PM": beside a message. */
  time: new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" }),
  /** "Dec 1, 2026, 4:05 PM": tables and lists. */
  short: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
  /** "Tuesday, December 1, 2026 at 4:05 PM": a message's full time. */
  full: new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" }),
  /** With seconds and zone: tooltips. */
  exact: new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" }),
};

export type TimeFormat = keyof typeof formats;

export function formatTime(value: Date | string, format: TimeFormat): string {
  return formats[format].format(typeof value === "string" ? new Date(value) : value);
}
