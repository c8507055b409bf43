import type { Metadata } from "next";
import Link from "next/link";
import { auth } from "@/server/auth/config";
import { orNotFound, serverCaller } from "@/server/caller";
import { AcceptInvitation } from "./accept";

export const metadata: Metadata = { title: "Invitation" };

/**
 * Where a mailed invitation leads: signed out, to creating an account with
 * the invited address (or signing in to it) and back here; signed in with
 * that address, to joining.
 */
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const caller = await serverCaller();
  const invitation = /^[A-Za-z0-9_-]{20,100}$/.test(token)
    ? await orNotFound(caller.workspace.invitationLink({ token }))
    : null;
  const session = await auth();
  const here = `/invitations/${token}`;
  const signedInAs = session?.user?.email?.toLowerCase();
  return (
    <main className="flex min-h-full items-center justify-center bg-panel px-4 py-12">
      <div className="flex w-full max-w-md flex-col gap-3 rounded-xl border border-border bg-bg p-8 shadow-sm">
        {!invitation ? (
          <>
            <h1 className="text-xl font-semibold">This invitation link is not valid</h1>
            <p className="text-muted">Ask whoever sent it to invite you again.</p>
          </>
        ) : invitation.state !== "open" ? (
          <>
            <h1 className="text-xl font-semibold">
              This invitation to {invitation.workspaceName} is {invitation.state}
            </h1>
            <p className="text-muted">
              {invitation.state === "accepted"
                ? "It was used already."
                : `Ask someone in ${invitation.workspaceName} to invite you again.`}
            </p>
            <Link className="text-accent underline" href="/welcome">
              Go to your workspaces
            </Link>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">Join {invitation.workspaceName}</h1>
            <p className="text-muted">
              {invitation.inviterName ?? "Someone"} invited {invitation.email} to{" "}
              {invitation.workspaceName} on Sequent.
            </p>
            {!signedInAs ? (
              <div className="flex flex-col gap-2">
                <Link
                  className="rounded-md bg-accent px-3 py-2 text-center text-sm font-medium text-accent-fg"
                  href={`/sign-up?next=${encodeURIComponent(here)}&email=${encodeURIComponent(invitation.email)}`}
                >
                  Create an account with {invitation.email}
                </Link>
                <Link
                  className="text-center text-sm text-accent underline"
                  href={`/sign-in?next=${encodeURIComponent(here)}&email=${encodeURIComponent(invitation.email)}`}
                >
                  I have an account: sign in
                </Link>
              </div>
            ) : signedInAs !== invitation.email ? (
              <p role="alert" className="text-sm text-danger">
                You are signed in as {signedInAs}, but this invitation is for {invitation.email}.
                Sign out and sign in (or create an account) with that address.
              </p>
            ) : (
              <AcceptInvitation token={token} workspaceName={invitation.workspaceName} />
            )}
          </>
        )}
      </div>
    </main>
  );
}
