import type { Metadata } from "next";
import Link from "next/link";
import { ForgotPasswordForm } from "../mail-forms";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <>
      <h1 className="mb-2 text-xl font-semibold">Forgot your password?</h1>
      <p className="mb-4 text-sm text-muted">
        Give the address of your account, and we mail you a link to choose a new password.
      </p>
      <ForgotPasswordForm />
      <p className="mt-4 text-sm">
        <Link className="text-accent underline" href="/sign-in">
          Back to sign in
        </Link>
      </p>
    </>
  );
}
