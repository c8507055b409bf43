"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/app/_components/form";
import { describeError, useTRPC } from "@/app/_lib/trpc";

export function JoinButton({ code, workspaceName }: { code: string; workspaceName: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const join = useMutation(
    trpc.workspace.join.mutationOptions({
      onSuccess: ({ workspaceId }) => router.push(`/w/${workspaceId}`),
    }),
  );
  return (
    <div className="flex flex-col gap-2">
      <Button onClick={() => join.mutate({ code })} disabled={join.isPending || join.isSuccess}>
        {join.isPending || join.isSuccess ? "Joining…" : `Join ${workspaceName}`}
      </Button>
      {join.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(join.error).message}
        </p>
      ) : null}
    </div>
  );
}
