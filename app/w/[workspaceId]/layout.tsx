import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import type { ReactNode } from "react";
import { WorkspaceShell } from "@/app/_components/workspace-shell";
import { isId } from "@/app/_lib/ids";
import { safeNextPath } from "@/lib/next-path";
import { auth } from "@/server/auth/config";
import { orNotFound, serverCaller } from "@/server/caller";

export default async function WorkspaceLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  if (!(await auth())?.user) {
    // Back to exactly the page they asked for (a permalink, a thread) once signed in.
    const asked = safeNextPath((await headers()).get("x-sequent-path") ?? `/w/${workspaceId}`);
    redirect(`/sign-in?next=${encodeURIComponent(asked)}`);
  }
  const caller = await serverCaller();
  if (!isId(workspaceId)) notFound();
  const workspace = await orNotFound(caller.workspace.get({ workspaceId }));
  if (!workspace) notFound();
  const [me, workspaces, channels, conversations] = await Promise.all([
    caller.user.me(),
    caller.workspace.list(),
    caller.channel.list({ workspaceId }),
    caller.conversation.list({ workspaceId }),
  ]);
  return (
    <WorkspaceShell
      key={workspaceId}
      me={me}
      workspace={{
        id: workspace.id,
        name: workspace.name,
        role: workspace.role,
        generalChannelId: workspace.generalChannelId,
      }}
      workspaces={workspaces}
      channels={channels}
      conversations={conversations}
    >
      {children}
    </WorkspaceShell>
  );
}
