"use client";
/** A read-only value to copy (an invite link, a new token), with a button that copies it. */
import { Button } from "./form";
import { useToast } from "./toast";

export function CopyField({
  label,
  name,
  value,
  copyLabel,
  copied,
  hint,
}: {
  label: string;
  name: string;
  value: string;
  copyLabel: string;
  /** The notice once it is on the clipboard, e.g. "Invite link copied." */
  copied: string;
  hint?: string;
}) {
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast(copied, "info");
    } catch {
      toast("Your browser did not allow copying. Select the text in the box and copy it yourself.");
    }
  };
  const hintId = `${name}-hint`;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={name} className="text-sm font-medium">
        {label}
      </label>
      <div className="flex flex-wrap gap-2">
        <input
          id={name}
          name={name}
          value={value}
          readOnly
          onFocus={(event) => event.currentTarget.select()}
          aria-describedby={hint ? hintId : undefined}
          className="min-w-0 flex-1 basis-56 rounded-md border border-border bg-panel px-3 py-2 font-mono text-sm text-fg"
        />
        <Button variant="secondary" onClick={copy}>
          {copyLabel}
        </Button>
      </div>
      {hint ? (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
