"use client";
/**
 * The frame of a workspace tab and the owner of its one event stream
 * (workspace.onEvent): the stream feeds the chat store with the sidebar and
 * the open channel's events, and reconnects by itself with its last
 * position. Opening another channel re-subscribes with that channel and the
 * position its page was rendered at, so nothing between render and stream
 * is lost.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type ReactNode, useCallback, useEffect, useMemo, useState } from "react";
import { ChatStore, useChat } from "@/app/_lib/chat-store";
import { signInAgainPath } from "@/app/_lib/links";
import { Outbox } from "@/app/_lib/outbox";
import { isSigningOut } from "@/app/_lib/sign-out";
import { useTRPC, useTRPCClient } from "@/app/_lib/trpc";
import type {
  ChannelItem,
  ConversationItem,
  Me,
  StreamEvent,
  WorkspaceSummary,
} from "@/app/_lib/types";
import { Uploads } from "@/app/_lib/uploads";
import { targetInput } from "@/lib/target";
import { AvatarSources } from "./avatar";
import { Notifier } from "./notifier";
import { QuickSwitcher } from "./quick-switcher";
import { SearchPanel } from "./search-panel";
import { Sidebar } from "./sidebar";
import { useToast } from "./toast";
import { useMembers } from "./use-members";
import {
  type OpenTarget,
  useWorkspace,
  WorkspaceContext,
  type WorkspaceContextValue,
} from "./workspace-context";

export function WorkspaceShell({
  me,
  workspace,
  workspaces,
  channels,
  conversations,
  children,
}: {
  me: Me;
  workspace: WorkspaceContextValue["workspace"];
  workspaces: WorkspaceSummary[];
  channels: ChannelItem[];
  conversations: ConversationItem[];
  children: ReactNode;
}) {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const router = useRouter();
  const [store] = useState(() => new ChatStore({ channels, conversations }));
  const [open, setOpenState] = useState<OpenTarget | null>(null);
  const [drawerOpen, setDrawerOpen] = useState(false);

  const [uploads] = useState(() => new Uploads(client));
  const [outbox] = useState(
    () =>
      new Outbox(
        `sequent:outbox:${me.id}`,
        async (message) => {
          const localIds = (message.files ?? []).map((file) => file.localId);
          // A message goes out only once its files are stored (offline, it waits here).
          const fileIds = localIds.length > 0 ? await uploads.whenStored(localIds) : [];
          return client.message.send.mutate({
            ...targetInput(message.target),
            body: message.body,
            clientMessageId: message.clientMessageId,
            parentId: message.parentId,
            alsoInChannel: message.alsoInChannel ?? false,
            ...(fileIds.length > 0 ? { fileIds } : {}),
          });
        },
        (message, outgoing) => {
          store.mergeMessages(outgoing.target, [message]);
          uploads.release((outgoing.files ?? []).map((file) => file.localId));
        },
        (_outgoing, reason) =>
          toast(`Your message was not sent: ${reason} Edit it and retry, or discard it.`),
        (outgoing) => {
          for (const file of outgoing.files ?? []) uploads.cancel(file.localId);
        },
      ),
  );
  useEffect(() => {
    // Messages that were waiting for their files when the page went away take them up again.
    void uploads.restore(
      outbox.getItems().flatMap((item) => (item.files ?? []).map((file) => file.localId)),
    );
    outbox.pump();
    return () => {
      outbox.close();
      uploads.close();
    };
  }, [outbox, uploads]);

  const setOpen = useCallback((next: OpenTarget | null) => {
    setOpenState((current) =>
      current?.target.id === next?.target.id && current?.position === next?.position
        ? current
        : next,
    );
  }, []);

  const openKey = open ? `${open.target.kind}:${open.target.id}:${open.position}` : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: openKey stands for `open`
  useEffect(() => {
    store.open(open?.target ?? null, open?.history);
    // Switching channels re-subscribes; only a slow start is worth showing as "Connecting…".
    const slow = setTimeout(() => store.connecting(), 1500);
    const input = {
      workspaceId: workspace.id,
      ...(open ? targetInput(open.target) : {}),
      ...(open ? { lastEventId: String(open.position) } : {}),
    };
    let connected = false;
    const subscription = client.workspace.onEvent.subscribe(input, {
      onData(value) {
        const event = (value as { data: StreamEvent }).data;
        clearTimeout(slow);
        // A reconnect's snapshot: names and statuses may have changed while the stream was down.
        if (event.type === "sidebar.snapshot" && connected)
          void queryClient.invalidateQueries(
            trpc.workspace.members.queryFilter({ workspaceId: workspace.id }),
          );
        connected = true;
        store.apply(event);
        if (event.type === "stream.closed") {
          toast(event.reason, "info");
          if (event.lost === "session") {
            if (!isSigningOut()) router.push(signInAgainPath());
          } else if (event.lost === "workspace") router.push("/");
          else if (open) router.push(`/w/${workspace.id}`);
        }
      },
      onError(error) {
        toast(`Live updates stopped: ${error.message} Reload the page to reconnect.`);
        store.apply({ type: "stream.closed", reason: error.message, lost: "place" });
      },
      onConnectionStateChange(state) {
        if (state.state === "connecting" && connected) store.connectionLost();
      },
    });
    return () => {
      clearTimeout(slow);
      subscription.unsubscribe();
    };
  }, [client, store, workspace.id, openKey, queryClient, trpc]);

  // The browser knows before the stream does when the network is gone.
  useEffect(() => {
    const offline = () => store.offline();
    const online = () => store.connectionLost();
    window.addEventListener("offline", offline);
    window.addEventListener("online", online);
    if (!navigator.onLine) offline();
    return () => {
      window.removeEventListener("offline", offline);
      window.removeEventListener("online", online);
    };
  }, [store]);

  const value = useMemo<WorkspaceContextValue>(
    () => ({
      me,
      workspace,
      workspaces,
      store,
      outbox,
      uploads,
      setOpen,
      drawer: { open: drawerOpen, setOpen: setDrawerOpen },
    }),
    [me, workspace, workspaces, store, outbox, uploads, setOpen, drawerOpen],
  );

  return (
    <WorkspaceContext.Provider value={value}>
      <WorkspaceAvatars>
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-bg focus:p-2"
        >
          Skip to main content
        </a>
        <div className="flex h-dvh overflow-hidden">
          <Sidebar />
          <div className="flex min-w-0 flex-1 flex-col">{children}</div>
        </div>
        <QuickSwitcher />
        <Notifier />
        <SearchPanel />
      </WorkspaceAvatars>
    </WorkspaceContext.Provider>
  );
}

/** Everyone's profile picture in this workspace: live changes first, then the members list. */
function WorkspaceAvatars({ children }: { children: ReactNode }) {
  const { store } = useWorkspace();
  const { members } = useMembers();
  const profiles = useChat(store, (state) => state.profiles);
  const known = useMemo(
    () => new Map(members.map((member) => [member.userId, member.avatarUrl])),
    [members],
  );
  const resolve = useCallback(
    (userId: string) => {
      const live = profiles.get(userId);
      return live ? live.avatarUrl : (known.get(userId) ?? null);
    },
    [profiles, known],
  );
  return <AvatarSources.Provider value={resolve}>{children}</AvatarSources.Provider>;
}
