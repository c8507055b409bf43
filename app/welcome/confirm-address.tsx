"use client";
/** Shown while the account's address is not confirmed (EMAIL_VERIFICATION=required). */
import { useMutation } from "@tanstack/react-query";
import { Button } from "@/app/_components/form";
import { describeError, useTRPC } from "@/app/_lib/trpc";

export function ConfirmAddress({ email }: { email: string }) {
  const trpc = useTRPC();
  const resend = useMutation(trpc.auth.resendVerification.mutationOptions());
  return (
    <section
      aria-label="Confirm your address"
      className="mt-4 flex flex-col gap-2 rounded-md border border-border bg-panel p-3 text-sm"
    >
      <p>
        Confirm {email} with the link we mailed you: invitations sent to that address show here once
        it is confirmed.
      </p>
      <div>
        <Button
          variant="secondary"
          disabled={resend.isPending || resend.isSuccess}
          onClick={() => resend.mutate()}
        >
          {resend.isSuccess ? "Sent" : "Mail the link again"}
        </Button>
      </div>
      {resend.error ? (
        <p role="alert" className="text-danger">
          {describeError(resend.error).message}
        </p>
      ) : null}
    </section>
  );
}
