"use client";
/**
 * A time in the reader's own time zone and locale. The server does not know
 * either, so it renders the plain date and the browser fills in the rest
 * after hydration (no mismatch between the two renders).
 */
import { useSyncExternalStore } from "react";
import { formatTime } from "@/lib/time";

const noop = () => () => {};

export function LocalTime({ iso }: { iso: string }) {
  const inBrowser = useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={inBrowser ? formatTime(date, "exact") : undefined}>
      {inBrowser ? formatTime(date, "short") : iso.slice(0, 10)}
    </time>
  );
}
