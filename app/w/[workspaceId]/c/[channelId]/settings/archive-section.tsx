"use client";
/** Archiving a channel (read-only for everyone) and unarchiving it, behind a confirmation. */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Button } from "@/app/_components/form";
import { Section } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { describeError, useTRPC } from "@/app/_lib/trpc";

export function ArchiveSection({
  channelId,
  label,
  archived,
  onChanged,
}: {
  channelId: string;
  label: string;
  archived: boolean;
  onChanged: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const toast = useToast();
  const [confirmingArchive, setConfirmingArchive] = useState(false);
  const archiveOptions = {
    onSuccess: () => {
      setConfirmingArchive(false);
      toast(archived ? `${label} is writable again.` : `${label} is archived.`, "info");
      return onChanged();
    },
  };
  const archive = useMutation(trpc.channel.archive.mutationOptions(archiveOptions));
  const unarchive = useMutation(trpc.channel.unarchive.mutationOptions(archiveOptions));
  const archiving = archived ? unarchive : archive;

  return (
    <>
      <Section
        id="archive-heading"
        title={archived ? "Unarchive channel" : "Archive channel"}
        description={
          archived
            ? `${label} is archived: people can read it, but nobody can post, edit, delete or react. Unarchive it to make it writable again.`
            : `Archiving makes ${label} read-only: people can still read it, but nobody can post, edit, delete or react until it is unarchived.`
        }
      >
        <div>
          <Button
            variant={archived ? "secondary" : "danger"}
            onClick={() => {
              archiving.reset();
              setConfirmingArchive(true);
            }}
          >
            {archived ? "Unarchive channel" : "Archive channel"}
          </Button>
        </div>
      </Section>
      <ConfirmDialog
        open={confirmingArchive}
        onClose={() => setConfirmingArchive(false)}
        title={archived ? `Unarchive ${label}?` : `Archive ${label}?`}
        confirmLabel={archived ? "Unarchive" : "Archive"}
        pendingLabel={archived ? "Unarchiving…" : "Archiving…"}
        tone={archived ? "primary" : "danger"}
        pending={archiving.isPending}
        error={archiving.error ? describeError(archiving.error).message : undefined}
        onConfirm={() => archiving.mutate({ channelId })}
      >
        {archived ? (
          <p>Members will be able to post, edit, delete and react in {label} again.</p>
        ) : (
          <>
            <p>
              Archived channels are read-only: nobody can post, edit, delete or react, and the name
              and topic cannot be changed.
            </p>
            <p className="text-muted">
              Everyone can still read its history, and you can unarchive it at any time.
            </p>
          </>
        )}
      </ConfirmDialog>
    </>
  );
}
