"use client";
/**
 * "Mark all as read" for the workspace: every channel, conversation and
 * followed thread read up to its latest message, and activity seen. It asks
 * first (unread markers are the way back to what you missed); the sidebar's
 * counts then clear through the tab stream.
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { ConfirmDialog } from "./confirm-dialog";
import { useToast } from "./toast";
import { useWorkspace } from "./workspace-context";

export function MarkAllReadButton({ className = "" }: { className?: string }) {
  const trpc = useTRPC();
  const toast = useToast();
  const { workspace } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const markAll = useMutation(
    trpc.workspace.markAllRead.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        toast(`Everything in ${workspace.name} is marked as read.`, "info");
      },
    }),
  );
  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => {
          markAll.reset();
          setConfirming(true);
        }}
      >
        Mark all as read
      </button>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Mark all as read?"
        confirmLabel="Mark all as read"
        pendingLabel="Marking…"
        tone="primary"
        pending={markAll.isPending}
        error={markAll.error ? describeError(markAll.error).message : undefined}
        onConfirm={() => markAll.mutate({ workspaceId: workspace.id })}
      >
        <p>
          Every channel, direct message and followed thread in {workspace.name} will count as read,
          and your activity as seen.
        </p>
      </ConfirmDialog>
    </>
  );
}
