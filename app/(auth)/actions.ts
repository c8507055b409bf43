"use server";
/** Sign-up, sign-in and sign-out as server actions, so the forms work without client-side auth code. */
import { TRPCError } from "@trpc/server";
import { redirect } from "next/navigation";
import { AuthError, CredentialsSignin } from "next-auth";
import { safeNextPath } from "@/lib/next-path";
import { signIn, signOut } from "@/server/auth/config";
import { serverCaller } from "@/server/caller";

export interface FormState {
  message?: string;
  fields?: Record<string, string>;
  values?: Record<string, string>;
}

async function signInWith(email: string, password: string, next: string): Promise<FormState> {
  try {
    await signIn("credentials", { email, password, redirect: false });
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === "rate_limited") {
      return {
        message: "Too many sign-in attempts. Wait a few minutes, then try again.",
        values: { email },
      };
    }
    if (error instanceof AuthError) {
      return { fields: { password: "Wrong email or password." }, values: { email } };
    }
    throw error;
  }
  redirect(next);
}

export async function signInAction(_state: FormState, form: FormData): Promise<FormState> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const fields: Record<string, string> = {};
  if (!email) fields.email = "Enter your email address.";
  if (!password) fields.password = "Enter your password.";
  if (Object.keys(fields).length > 0) return { fields, values: { email } };
  return signInWith(email, password, safeNextPath(form.get("next")));
}

export async function signUpAction(_state: FormState, form: FormData): Promise<FormState> {
  const values = { name: String(form.get("name") ?? ""), email: String(form.get("email") ?? "") };
  const password = String(form.get("password") ?? "");
  try {
    await (await serverCaller()).auth.signUp({ ...values, password });
  } catch (error) {
    if (error instanceof TRPCError) {
      const cause = error.cause as
        | { issues?: { path: PropertyKey[]; message: string }[] }
        | undefined;
      const fields: Record<string, string> = {};
      for (const issue of cause?.issues ?? []) {
        const key = String(issue.path[0] ?? "form");
        fields[key] ??= `${key[0]?.toUpperCase()}${key.slice(1)} ${issue.message}.`;
      }
      if (error.code === "CONFLICT")
        fields.email = "An account with this email already exists. Sign in instead.";
      if (Object.keys(fields).length > 0) return { fields, values };
      return { message: error.message, values };
    }
    throw error;
  }
  return signInWith(values.email, password, safeNextPath(form.get("next")));
}

export async function signOutAction() {
  await signOut({ redirect: false });
  redirect("/sign-in");
}
