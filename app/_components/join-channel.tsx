"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { ChannelDetails } from "@/app/_lib/types";
import { Button } from "./form";

/** A public channel you have not joined: what it is, and a way in. */
export function JoinChannel({ channel }: { channel: ChannelDetails }) {
  const trpc = useTRPC();
  const router = useRouter();
  const join = useMutation(
    trpc.channel.join.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  return (
    <main className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-2xl font-semibold">#{channel.name}</h1>
      {channel.topic ? <p className="text-muted">{channel.topic}</p> : null}
      <p className="text-muted">
        {channel.memberCount} {channel.memberCount === 1 ? "member" : "members"}. Join to read and
        post.
      </p>
      <Button onClick={() => join.mutate({ channelId: channel.id })} disabled={join.isPending}>
        Join channel
      </Button>
      {join.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(join.error).message}
        </p>
      ) : null}
    </main>
  );
}
