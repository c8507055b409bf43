import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/server/auth/config";
import { orNotFound, serverCaller } from "@/server/caller";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string }>;
}) {
  const { next } = await searchParams;
  if ((await auth())?.user) redirect("/");
  // Arriving from an invite link: say which workspace the account is for.
  const code =
    typeof next === "string" ? /^\/invite\/([A-Za-z0-9]{1,64})$/.exec(next)?.[1] : undefined;
  const invite = code
    ? await orNotFound((await serverCaller()).workspace.inviteInfo({ code }))
    : null;
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">
        {invite?.usable
          ? `Create your account to join ${invite.workspaceName}`
          : "Create your account"}
      </h1>
      <AuthForm mode="sign-up" next={next} />
    </>
  );
}
