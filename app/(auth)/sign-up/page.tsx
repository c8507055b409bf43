import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/server/auth/config";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string }>;
}) {
  const { next } = await searchParams;
  if ((await auth())?.user) redirect("/");
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Create your account</h1>
      <AuthForm mode="sign-up" next={next} />
    </>
  );
}
