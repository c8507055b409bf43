"use client";
import Link from "next/link";
import { useActionState } from "react";
import { Button, Field } from "@/app/_components/form";
import { type FormState, signInAction, signUpAction } from "./actions";

export function AuthForm({
  mode,
  next,
  email,
}: {
  mode: "sign-in" | "sign-up";
  next?: string;
  /** The address to start with (from a mailed link). */
  email?: string;
}) {
  const [state, action, pending] = useActionState<FormState, FormData>(
    mode === "sign-in" ? signInAction : signUpAction,
    {},
  );
  const query = next ? `?next=${encodeURIComponent(next)}` : "";
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      {next ? <input type="hidden" name="next" value={next} /> : null}
      {mode === "sign-up" ? (
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          required
          maxLength={80}
          defaultValue={state.values?.name}
          error={state.fields?.name}
        />
      ) : null}
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email ?? email}
        error={state.fields?.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
        required
        minLength={mode === "sign-up" ? 10 : undefined}
        hint={mode === "sign-up" ? "At least 10 characters." : undefined}
        error={state.fields?.password}
      />
      {state.message ? (
        <p role="alert" className="text-sm text-danger">
          {state.message}
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Please wait…" : mode === "sign-in" ? "Sign in" : "Create account"}
      </Button>
      {mode === "sign-in" ? (
        <p className="text-sm">
          <Link className="text-accent underline" href="/forgot-password">
            Forgot password?
          </Link>
        </p>
      ) : null}
      <p className="text-sm text-muted">
        {mode === "sign-in" ? (
          <>
            New to Sequent?{" "}
            <Link className="text-accent underline" href={`/sign-up${query}`}>
              Create an account
            </Link>
          </>
        ) : (
          <>
            Already have an account?{" "}
            <Link className="text-accent underline" href={`/sign-in${query}`}>
              Sign in
            </Link>
          </>
        )}
      </p>
    </form>
  );
}
