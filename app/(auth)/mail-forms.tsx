"use client";
/**
 * The forms of mailed links: asking for a password reset and choosing the
 * new password (server actions, so they work before the script loads), and
 * confirming an address. Each says plainly what happened; refusals come with
 * the server's reason.
 */
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useRef } from "react";
import { Button, Field } from "@/app/_components/form";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { type MailFormState, requestResetAction, resetPasswordAction } from "./mail-actions";

export function ForgotPasswordForm() {
  const [state, action, pending] = useActionState<MailFormState, FormData>(requestResetAction, {});
  if (state.done)
    return (
      <p role="status" className="text-sm">
        {state.done}
      </p>
    );
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email}
        error={state.fields?.email}
      />
      {state.message ? (
        <p role="alert" className="text-sm text-danger">
          {state.message}
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Please wait…" : "Send me a link"}
      </Button>
    </form>
  );
}

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<MailFormState, FormData>(resetPasswordAction, {});
  if (state.done)
    return (
      <div role="status" className="flex flex-col gap-3 text-sm">
        <p>{state.done}</p>
        <Link
          className="text-accent underline"
          href={`/sign-in?email=${encodeURIComponent(state.email ?? "")}`}
        >
          Sign in with your new password
        </Link>
      </div>
    );
  const linkProblem = state.fields?.token ?? state.message;
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <input type="hidden" name="token" value={token} />
      <Field
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        hint="At least 10 characters."
        error={state.fields?.password}
      />
      {linkProblem ? (
        <p role="alert" className="text-sm text-danger">
          {linkProblem}{" "}
          <Link className="underline" href="/forgot-password">
            Ask for a new link
          </Link>
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Please wait…" : "Set new password"}
      </Button>
    </form>
  );
}

export function VerifyEmail({ token }: { token: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const verify = useMutation(trpc.auth.verifyEmail.mutationOptions());
  const started = useRef(false);
  // A link opened is a request to confirm; once (React may run effects twice in development).
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    verify.mutate({ token });
  }, [token, verify]);
  if (verify.data)
    return (
      <div role="status" className="flex flex-col gap-3 text-sm">
        <p>{verify.data.email} is confirmed. Invitations sent to it now reach you.</p>
        <Button onClick={() => router.push("/welcome")}>Continue</Button>
      </div>
    );
  if (verify.error)
    return (
      <p role="alert" className="text-sm text-danger">
        {describeError(verify.error).message.replace(/^token: /, "This link is ")}
      </p>
    );
  return <p className="text-sm text-muted">Confirming…</p>;
}
