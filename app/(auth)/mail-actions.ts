"use server";
/**
 * The forms of mailed links as server actions, like sign-in and sign-up:
 * they work before (and without) the page's script.
 */
import { TRPCError } from "@trpc/server";
import { serverCaller } from "@/server/caller";

export interface MailFormState {
  /** What happened, when it worked. */
  done?: string;
  /** The address to sign in with, after a reset. */
  email?: string;
  fields?: Record<string, string>;
  message?: string;
  values?: Record<string, string>;
}

/** Field messages ("Email must be …") from a refusal, else its message. */
function refusal(error: unknown, labels: Record<string, string>): MailFormState {
  if (!(error instanceof TRPCError)) throw error;
  const cause = error.cause as { issues?: { path: PropertyKey[]; message: string }[] } | undefined;
  const fields: Record<string, string> = {};
  for (const issue of cause?.issues ?? []) {
    const key = String(issue.path[0] ?? "form");
    fields[key] ??= `${labels[key] ?? key} ${issue.message}.`;
  }
  const prefixed = /^(\w+): ([\s\S]+)$/.exec(error.message);
  if (Object.keys(fields).length === 0 && prefixed?.[1] && labels[prefixed[1]])
    fields[prefixed[1]] = prefixed[2] as string;
  return Object.keys(fields).length > 0 ? { fields } : { message: error.message };
}

export async function requestResetAction(
  _state: MailFormState,
  form: FormData,
): Promise<MailFormState> {
  const email = String(form.get("email") ?? "");
  try {
    const { message } = await (await serverCaller()).auth.requestPasswordReset({ email });
    return { done: message };
  } catch (error) {
    return { ...refusal(error, { email: "Email" }), values: { email } };
  }
}

export async function resetPasswordAction(
  _state: MailFormState,
  form: FormData,
): Promise<MailFormState> {
  const token = String(form.get("token") ?? "");
  const password = String(form.get("password") ?? "");
  try {
    const { email } = await (await serverCaller()).auth.resetPassword({ token, password });
    return {
      done: "Your password is changed, and every session of your account has ended.",
      email,
    };
  } catch (error) {
    return refusal(error, { password: "New password", token: "This link" });
  }
}
