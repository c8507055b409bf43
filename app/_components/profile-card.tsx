"use client";
/**
 * A person as the workspace sees them: avatar, name, status, role and
 * whether they are online, with a way to message them. Names and statuses
 * changed since the page loaded come from the tab's chat store (the stream's
 * `member` events), and presence from its `online` set, so the card is live.
 *
 * `PersonName` is the button that opens the card: put it wherever a name is
 * shown (an author, a member). Its accessible name is the person's name.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useCallback, useState } from "react";
import { createPortal } from "react-dom";
import { useChat } from "@/app/_lib/chat-store";
import { placePath } from "@/app/_lib/links";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { Avatar } from "./avatar";
import { Dialog } from "./dialog";
import { Button } from "./form";
import { LocalTime } from "./local-time";
import { useWorkspace } from "./workspace-context";

export const roleLabel = { owner: "Owner", admin: "Admin", member: "Member" } as const;

/** A person's name and status as they are now: the live change if one came, else what was loaded. */
export function useLiveProfile() {
  const { store } = useWorkspace();
  const profiles = useChat(store, (state) => state.profiles);
  return useCallback(
    (userId: string, loaded: { name: string; status?: string }) => {
      const live = profiles.get(userId);
      return { name: live?.name ?? loaded.name, status: live?.status ?? loaded.status };
    },
    [profiles],
  );
}

/** Online or offline, as a dot and a word (the word is what screen readers and tests read). */
export function Presence({ online, className = "" }: { online: boolean; className?: string }) {
  return (
    <span className={`inline-flex items-center gap-1.5 text-sm ${className}`}>
      <span
        aria-hidden="true"
        className={`inline-block h-2 w-2 rounded-full ${online ? "bg-green-600" : "border border-current opacity-70"}`}
      />
      <span className={online ? "" : "text-muted"}>{online ? "Online" : "Offline"}</span>
    </span>
  );
}

/**
 * The card itself, as a modal dialog named by the person's name. Controlled:
 * the caller owns `open`. It loads `user.profile` only while open.
 */
export function ProfileCard({
  userId,
  name,
  open,
  onClose,
}: {
  userId: string;
  /** The name the caller shows, used until the profile loads. */
  name: string;
  open: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const { workspace, me, store } = useWorkspace();
  const live = useLiveProfile();
  const online = useChat(store, (state) => state.online.has(userId));
  const profile = useQuery({
    ...trpc.user.profile.queryOptions({ workspaceId: workspace.id, userId }),
    enabled: open,
    staleTime: 30_000,
  });
  const message = useMutation(
    trpc.conversation.open.mutationOptions({
      onSuccess: ({ id }) => {
        onClose();
        router.push(placePath(workspace.id, { conversationId: id }));
      },
    }),
  );
  const close = () => {
    message.reset();
    onClose();
  };
  const person = live(userId, { name: profile.data?.name ?? name, status: profile.data?.status });
  const isMe = userId === me.id;

  return (
    <Dialog open={open} onClose={close} title={person.name}>
      <div className="flex items-start gap-4">
        <Avatar userId={userId} name={person.name} size="lg" />
        <div className="flex min-w-0 flex-1 flex-col gap-1">
          {profile.isPending ? (
            <div role="status" aria-label="Loading profile" className="flex flex-col gap-2">
              <div className="skeleton h-4 w-3/4" />
              <div className="skeleton h-4 w-1/2" />
            </div>
          ) : profile.isError ? (
            <div role="alert" className="flex flex-col items-start gap-2 text-sm text-danger">
              <span>Could not load this profile: {describeError(profile.error).message}</span>
              <Button variant="secondary" className="py-1" onClick={() => profile.refetch()}>
                Try again
              </Button>
            </div>
          ) : (
            <>
              <p className={`break-words ${person.status ? "" : "text-muted"}`}>
                {person.status || "No status set"}
              </p>
              <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
                <dt className="text-muted">Role</dt>
                <dd>{roleLabel[profile.data.role]}</dd>
                <dt className="text-muted">Email</dt>
                <dd className="break-all">{profile.data.email}</dd>
                <dt className="text-muted">Joined</dt>
                <dd>
                  <LocalTime iso={profile.data.joinedAt} />
                </dd>
              </dl>
            </>
          )}
          <Presence online={online} className="mt-1" />
        </div>
      </div>
      {message.error ? (
        <p role="alert" className="text-sm text-danger">
          Could not open the conversation: {describeError(message.error).message}
        </p>
      ) : null}
      <div className="flex flex-wrap justify-end gap-2">
        {isMe ? (
          <Link
            href={`/w/${workspace.id}/profile`}
            onClick={close}
            className="rounded-md border border-border px-3 py-2 text-sm font-medium hover:bg-hover"
          >
            Edit your profile
          </Link>
        ) : (
          <Button
            onClick={() => message.mutate({ workspaceId: workspace.id, userIds: [userId] })}
            disabled={message.isPending || message.isSuccess}
          >
            {message.isPending || message.isSuccess ? "Opening…" : "Message"}
          </Button>
        )}
      </div>
    </Dialog>
  );
}

/**
 * A person's name as a button that opens their profile card. Shows their
 * current name (live), or `children` if given. The card is rendered into
 * document.body, so the button may sit inside any inline text, and keys and
 * clicks inside the card do not reach the handlers around the button.
 */
export function PersonName({
  userId,
  name,
  className = "",
  children,
}: {
  userId: string;
  name: string;
  className?: string;
  children?: ReactNode;
}) {
  const live = useLiveProfile();
  const [open, setOpen] = useState(false);
  // The card mounts on first use and stays, so the native dialog returns focus to the button on close.
  const [mounted, setMounted] = useState(false);
  const current = live(userId, { name }).name;
  return (
    <>
      <button
        type="button"
        aria-haspopup="dialog"
        onClick={() => {
          setMounted(true);
          setOpen(true);
        }}
        className={`rounded text-left font-semibold underline-offset-2 hover:underline ${className}`}
      >
        {children ?? current}
      </button>
      {mounted
        ? createPortal(
            // biome-ignore lint/a11y/noStaticElementInteractions: only stops events bubbling to the React parents of the button
            <div
              onClick={(event) => event.stopPropagation()}
              onKeyDown={(event) => event.stopPropagation()}
            >
              <ProfileCard
                userId={userId}
                name={current}
                open={open}
                onClose={() => setOpen(false)}
              />
            </div>,
            document.body,
          )
        : null}
    </>
  );
}
