/** Form pieces with labels and errors tied to their fields, for people and screen readers alike. */
import type { InputHTMLAttributes, ReactNode } from "react";
import { describeError } from "@/app/_lib/trpc";

export function Field({
  label,
  name,
  error,
  hint,
  ...input
}: {
  label: string;
  name: string;
  error?: string;
  hint?: string;
} & InputHTMLAttributes<HTMLInputElement>) {
  const errorId = `${name}-error`;
  const hintId = `${name}-hint`;
  const describedBy =
    [error ? errorId : "", hint ? hintId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={name} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={name}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={`rounded-md border bg-bg px-3 py-2 text-fg ${error ? "border-danger" : "border-border"}`}
        {...input}
      />
      {hint && !error ? (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="text-sm text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function Button({
  children,
  variant = "primary",
  ...props
}: {
  children: ReactNode;
  variant?: "primary" | "secondary" | "danger";
} & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  const styles = {
    primary: "bg-accent text-accent-fg hover:opacity-90",
    secondary: "border border-border bg-bg text-fg hover:bg-hover",
    danger: "bg-danger text-white hover:opacity-90",
  }[variant];
  return (
    <button
      type="button"
      {...props}
      className={`rounded-md px-3 py-2 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-60 ${styles} ${props.className ?? ""}`}
    >
      {children}
    </button>
  );
}

/** A list that could not load: why, and a way to try again. */
export function LoadFailed({
  what,
  error,
  retry,
}: {
  what: string;
  error: unknown;
  retry: () => unknown;
}) {
  return (
    <div role="alert" className="flex flex-col items-start gap-2 text-sm">
      <p className="text-danger">
        Could not load {what}: {describeError(error).message}
      </p>
      <Button variant="secondary" className="py-1" onClick={() => retry()}>
        Try again
      </Button>
    </div>
  );
}

/** The next page of a paged list, on demand; nothing once there is none. */
export function LoadMoreButton({
  pages,
  label = "Load more",
  className = "self-center",
}: {
  pages: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  label?: string;
  className?: string;
}) {
  if (!pages.hasNextPage) return null;
  return (
    <Button
      variant="secondary"
      className={`py-1 ${className}`}
      disabled={pages.isFetchingNextPage}
      onClick={() => pages.fetchNextPage()}
    >
      {pages.isFetchingNextPage ? "Loading…" : label}
    </Button>
  );
}
