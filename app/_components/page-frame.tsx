"use client";
/**
 * The frame of a workspace page that is not a timeline (settings, browsing,
 * tokens): the same header bar as a channel, with a scrolling column of
 * titled sections below it.
 */
import type { ReactNode } from "react";
import { useAttention } from "./notifier";
import { useWorkspace } from "./workspace-context";

export function PageFrame({
  title,
  subtitle,
  actions,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <main className="flex min-h-0 flex-1 flex-col" aria-labelledby="page-title">
      <PageHeader title={title} titleId="page-title" subtitle={subtitle}>
        {actions}
      </PageHeader>
      <div id="main" tabIndex={-1} className="min-h-0 flex-1 overflow-y-auto">
        <div className="mx-auto flex w-full max-w-3xl flex-col gap-10 px-4 py-6">{children}</div>
      </div>
    </main>
  );
}

/**
 * The header bar of every workspace page: the drawer button on phones, the
 * title and subtitle, then whatever the page puts on the right. It wraps on
 * narrow screens, so the title keeps room beside the page's controls.
 */
export function PageHeader({
  title,
  titleId,
  subtitle,
  children,
}: {
  title: ReactNode;
  titleId?: string;
  subtitle?: ReactNode;
  children?: ReactNode;
}) {
  const { drawer } = useWorkspace();
  const { elsewhere } = useAttention();
  return (
    <header className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-border px-4 py-2">
      <button
        type="button"
        className="rounded border border-border px-2 py-1 md:hidden"
        onClick={() => drawer.setOpen(true)}
        aria-label={elsewhere > 0 ? `Open sidebar (${elsewhere} unread elsewhere)` : "Open sidebar"}
      >
        ☰
        {elsewhere > 0 ? (
          <span
            aria-hidden="true"
            className="ml-1 rounded-full bg-red-600 px-1.5 text-xs font-bold text-white"
          >
            {elsewhere > 99 ? "99+" : elsewhere}
          </span>
        ) : null}
      </button>
      <div className="min-w-0 flex-1 basis-40">
        <h1 id={titleId} className="truncate text-lg font-bold">
          {title}
        </h1>
        {subtitle ? <p className="truncate text-sm text-muted">{subtitle}</p> : null}
      </div>
      {children}
    </header>
  );
}

/** A titled part of a page; its heading names it for screen readers. */
export function Section({
  id,
  title,
  description,
  children,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <h2 id={id} className="text-base font-semibold">
          {title}
        </h2>
        {description ? <p className="text-sm text-muted">{description}</p> : null}
      </div>
      {children}
    </section>
  );
}

/** Placeholder rows while a list loads on the client. */
export function SkeletonRows({ rows = 3, label }: { rows?: number; label: string }) {
  return (
    <div role="status" aria-label={label} className="flex flex-col gap-2">
      {Array.from({ length: rows }, (_, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: identical placeholders that never reorder
        <div key={index} className="skeleton h-9 w-full" />
      ))}
    </div>
  );
}
