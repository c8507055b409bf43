"use client";
/** A modal dialog on the native <dialog> element: focus is trapped and Escape closes it. */
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Dialog({
  open,
  onClose,
  title,
  children,
  wide = false,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Unique per dialog: two open dialogs must not share the id their labels point at.
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // React's autoFocus ran while the dialog was still closed, so showModal() focused the
      // first focusable element (the Close button); give focus to the first field instead.
      dialog
        .querySelector<HTMLElement>("input:not([type='hidden']):not([disabled]), textarea, select")
        ?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={onClose}
      className={`m-auto w-[calc(100%-2rem)] ${wide ? "max-w-xl" : "max-w-md"} rounded-xl border border-border bg-bg p-0 text-fg shadow-2xl backdrop:bg-black/50`}
    >
      {open ? (
        <div className="flex flex-col gap-4 p-6">
          <div className="flex items-start justify-between gap-4">
            <h2 id={titleId} className="text-lg font-semibold">
              {title}
            </h2>
            <button
              type="button"
              onClick={onClose}
              className="rounded px-2 text-muted hover:bg-hover"
              aria-label="Close"
            >
              ×
            </button>
          </div>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}
