/**
 * A failed call's messages, placed beside the fields they are about. The
 * server names a field in two ways: zod's `fieldErrors` (bad input), and a
 * domain error whose message starts with the field ("currentPassword: this
 * is not your current password."). Anything else is a message for the form.
 */
import { describeError } from "@/app/_lib/trpc";

/** "must be at least 10 characters" → "New password must be at least 10 characters." */
function sentence(label: string, reason: string): string {
  const text = reason.trim().replace(/\.$/, "");
  const phrase = /^(must|is|may|should|has|cannot|can't)\b/.test(text)
    ? `${label} ${text}`
    : `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  return `${phrase}.`;
}

export function errorsByField<Name extends string>(
  error: unknown,
  labels: Record<Name, string>,
): { fields: Partial<Record<Name, string>>; message?: string } {
  if (!error) return { fields: {} };
  const described = describeError(error);
  const fields: Partial<Record<Name, string>> = {};
  const known = (name: string): name is Name => Object.hasOwn(labels, name);
  let unplaced = false;
  for (const [name, messages] of Object.entries(described.fields)) {
    const first = messages[0];
    if (known(name) && first) fields[name] = sentence(labels[name], first);
    else unplaced = true;
  }
  const prefixed = /^([A-Za-z]+): ([\s\S]+)$/.exec(described.message);
  if (Object.keys(described.fields).length === 0 && prefixed?.[1] && prefixed[2]) {
    if (known(prefixed[1])) fields[prefixed[1]] = sentence(labels[prefixed[1]], prefixed[2]);
  }
  const placed = Object.keys(fields).length > 0 && !unplaced;
  return placed ? { fields } : { fields, message: described.message };
}
