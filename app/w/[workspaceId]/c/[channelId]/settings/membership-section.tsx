"use client";
/** Leaving a channel I am in, or joining one I can see. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/app/_components/form";
import { Section } from "@/app/_components/page-frame";
import { useWorkspace } from "@/app/_components/workspace-context";
import { describeError, useTRPC } from "@/app/_lib/trpc";

export function MembershipSection({
  channelId,
  label,
  isMember,
  isPrivate,
  onJoined,
}: {
  channelId: string;
  label: string;
  isMember: boolean;
  isPrivate: boolean;
  onJoined: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { workspace } = useWorkspace();
  const leave = useMutation(
    trpc.channel.leave.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(
          trpc.channel.list.queryFilter({ workspaceId: workspace.id }),
        );
        router.push(`/w/${workspace.id}`);
      },
    }),
  );
  const join = useMutation(trpc.channel.join.mutationOptions({ onSuccess: onJoined }));

  return isMember ? (
    <Section
      id="leave-heading"
      title="Leave channel"
      description={
        isPrivate
          ? `${label} is private: once you leave, you can come back only if a member adds you.`
          : `You can join ${label} again at any time from Browse channels.`
      }
    >
      <div>
        <Button
          variant="secondary"
          onClick={() => leave.mutate({ channelId })}
          disabled={leave.isPending || leave.isSuccess}
        >
          {leave.isPending || leave.isSuccess ? "Leaving…" : "Leave channel"}
        </Button>
      </div>
      {leave.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(leave.error).message}
        </p>
      ) : null}
    </Section>
  ) : (
    <Section
      id="join-heading"
      title="Join channel"
      description={`You are not a member of ${label}. Join to read and post.`}
    >
      <div>
        <Button onClick={() => join.mutate({ channelId })} disabled={join.isPending}>
          {join.isPending ? "Joining…" : "Join channel"}
        </Button>
      </div>
      {join.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(join.error).message}
        </p>
      ) : null}
    </Section>
  );
}
