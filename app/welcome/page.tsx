import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env } from "@/lib/env";
import { auth } from "@/server/auth/config";
import { serverCaller } from "@/server/caller";
import { ConfirmAddress } from "./confirm-address";
import { Welcome } from "./welcome";

export const metadata: Metadata = { title: "Welcome" };

export default async function WelcomePage() {
  if (!(await auth())?.user) redirect("/sign-in?next=/welcome");
  const caller = await serverCaller();
  const [me, workspaces, invitations] = await Promise.all([
    caller.user.me(),
    caller.workspace.list(),
    caller.workspace.myInvitations(),
  ]);
  return (
    <main className="flex min-h-full items-center justify-center bg-panel px-4 py-12">
      <div className="w-full max-w-lg rounded-xl border border-border bg-bg p-8 shadow-sm">
        <h1 className="text-2xl font-semibold">Welcome, {me.name}</h1>
        <p className="mt-1 text-muted">
          {invitations.length > 0
            ? "You have an invitation waiting. Accept it, start a workspace for your team, or join one with an invite link."
            : "Start a workspace for your team, or join one with an invite link."}
        </p>
        {env().emailVerification && !me.emailVerified ? <ConfirmAddress email={me.email} /> : null}
        <Welcome workspaces={workspaces} invitations={invitations} />
      </div>
    </main>
  );
}
