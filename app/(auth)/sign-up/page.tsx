import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/server/auth/config";
import { orNotFound, serverCaller } from "@/server/caller";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string; email?: string }>;
}) {
  const { next, email } = await searchParams;
  if ((await auth())?.user) redirect("/");
  // Arriving from an invite link: say which workspace the account is for.
  const code =
    typeof next === "string" ? /^\/invite\/([A-Za-z0-9]{1,64})$/.exec(next)?.[1] : undefined;
  const invite = code
    ? await orNotFound((await serverCaller()).workspace.inviteInfo({ code }))
    : null;
  // Arriving from a mailed invitation: the same, by its link.
  const token =
    typeof next === "string"
      ? /^\/invitations\/([A-Za-z0-9_-]{20,100})$/.exec(next)?.[1]
      : undefined;
  const invitation = token
    ? await orNotFound((await serverCaller()).workspace.invitationLink({ token }))
    : null;
  const joining = invite?.usable
    ? invite.workspaceName
    : invitation?.state === "open"
      ? invitation.workspaceName
      : null;
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">
        {joining ? `Create your account to join ${joining}` : "Create your account"}
      </h1>
      <AuthForm mode="sign-up" next={next} email={email ?? invitation?.email} />
    </>
  );
}
