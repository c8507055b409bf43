"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/app/_components/form";
import { describeError, useTRPC } from "@/app/_lib/trpc";

export function AcceptInvitation({
  token,
  workspaceName,
}: {
  token: string;
  workspaceName: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const accept = useMutation(
    trpc.workspace.acceptInvitationLink.mutationOptions({
      onSuccess: ({ workspaceId }) => router.push(`/w/${workspaceId}`),
    }),
  );
  return (
    <>
      <Button disabled={accept.isPending} onClick={() => accept.mutate({ token })}>
        {accept.isPending ? "Joining…" : `Join ${workspaceName}`}
      </Button>
      {accept.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(accept.error).message}
        </p>
      ) : null}
    </>
  );
}
