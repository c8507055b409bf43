/** Small line icons beside sidebar entries and in the search box; decorative, so hidden from screen readers. */
import type { ReactNode } from "react";

function Icon({ className = "", children }: { className?: string; children: ReactNode }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 16 16"
      className={`inline-block h-4 w-4 shrink-0 ${className}`}
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {children}
    </svg>
  );
}

export function MagnifierIcon({ className }: { className?: string }) {
  return (
    <Icon className={className}>
      <circle cx="7" cy="7" r="4.75" />
      <path d="m10.5 10.5 3.5 3.5" />
    </Icon>
  );
}

/** Two speech bubbles: a conversation that goes on. */
export function ThreadsIcon({ className }: { className?: string }) {
  return (
    <Icon className={className}>
      <path d="M2 3.5A1.5 1.5 0 0 1 3.5 2h6A1.5 1.5 0 0 1 11 3.5v3A1.5 1.5 0 0 1 9.5 8H6L3.5 10V8A1.5 1.5 0 0 1 2 6.5Z" />
      <path d="M11 5.5h1.5A1.5 1.5 0 0 1 14 7v3a1.5 1.5 0 0 1-1.5 1.5v2L10 11.5H8A1.5 1.5 0 0 1 6.5 10V8" />
    </Icon>
  );
}

/** A bell. */
export function ActivityIcon({ className }: { className?: string }) {
  return (
    <Icon className={className}>
      <path d="M4 11.5V7a4 4 0 0 1 8 0v4.5l1 1H3Z" />
      <path d="M6.75 14a1.4 1.4 0 0 0 2.5 0" />
    </Icon>
  );
}

/** A paper clip: attach files. Drawn, so it shows where no emoji font is installed. */
export function PaperclipIcon({ className }: { className?: string }) {
  return (
    <Icon className={className}>
      <path d="M13.5 7.5 8 13a3.5 3.5 0 0 1-5-5l6-6a2.25 2.25 0 0 1 3.2 3.2l-6 6a1 1 0 0 1-1.45-1.45L10 4.5" />
    </Icon>
  );
}
