import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeNextPath } from "@/lib/next-path";
import { auth } from "@/server/auth/config";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string; email?: string }>;
}) {
  const { next, email } = await searchParams;
  if ((await auth())?.user) redirect(safeNextPath(next));
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Sign in to Sequent</h1>
      <AuthForm mode="sign-in" next={next} email={email} />
    </>
  );
}
