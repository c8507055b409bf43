"use client";
/**
 * A time in the reader's own time zone and locale. The server does not know
 * either, so it renders the plain date and the browser fills in the rest
 * after hydration (no mismatch between the two renders).
 */
import { useSyncExternalStore } from "react";

const shortFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
const noop = () => () => {};

export function LocalTime({ iso }: { iso: string }) {
  const inBrowser = useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={inBrowser ? fullFormat.format(date) : undefined}>
      {inBrowser ? shortFormat.format(date) : iso.slice(0, 10)}
    </time>
  );
}
