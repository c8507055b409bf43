import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { auth } from "@/server/auth/config";
import { orNotFound, serverCaller } from "@/server/caller";
import { JoinButton } from "./join-button";

export const metadata: Metadata = { title: "Join a workspace" };

export default async function InvitePage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  if (!(await auth())?.user) redirect(`/sign-up?next=${encodeURIComponent(`/invite/${code}`)}`);
  const invite = await orNotFound((await serverCaller()).workspace.inviteInfo({ code }));
  return (
    <main className="flex min-h-full items-center justify-center bg-panel px-4 py-12">
      <div className="w-full max-w-md rounded-xl border border-border bg-bg p-8 shadow-sm">
        {!invite ? (
          <>
            <h1 className="text-xl font-semibold">This invite link is not valid</h1>
            <p className="mt-2 text-muted">Ask whoever sent it for a new one.</p>
          </>
        ) : !invite.usable ? (
          <>
            <h1 className="text-xl font-semibold">
              {invite.state === "used-up"
                ? `This invite to ${invite.workspaceName} has been used up`
                : invite.state === "revoked"
                  ? `This invite to ${invite.workspaceName} was withdrawn`
                  : `This invite to ${invite.workspaceName} has expired`}
            </h1>
            <p className="mt-2 text-muted">
              {invite.state === "used-up" ? "Everyone it was meant for has joined already. " : ""}
              Ask someone in {invite.workspaceName} for a new link — any member can make one — or
              ask an admin to invite you by email.
            </p>
            <p className="mt-4">
              <Link href="/welcome" className="underline">
                Go to your workspaces, or create one
              </Link>
            </p>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">Join {invite.workspaceName}</h1>
            <p className="mt-2 mb-6 text-muted">You were invited to this workspace on Sequent.</p>
            <JoinButton code={code} workspaceName={invite.workspaceName} />
          </>
        )}
      </div>
    </main>
  );
}
