"use client";
/**
 * The workspace sidebar: switcher, channels and direct conversations with
 * unread counts and mention badges (kept current by the tab stream), and
 * the ways to create, browse and start. On narrow screens it is a drawer.
 */
import Link from "next/link";
import { useParams, usePathname, useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useChat } from "@/app/_lib/chat-store";
import { placePath } from "@/app/_lib/links";
import { signOut } from "@/app/_lib/sign-out";
import { conversationTitle } from "@/app/_lib/types";
import { Avatar } from "./avatar";
import { ChannelMark } from "./channel-mark";
import { CreateChannelDialog } from "./create-channel-dialog";
import { ActivityIcon, ThreadsIcon } from "./icons";
import { MarkAllReadButton } from "./mark-all-read";
import { NewConversationDialog } from "./new-conversation-dialog";
import { NotificationSettings } from "./notifier";
import { SearchButton } from "./search-panel";
import { ThemeToggle } from "./theme-toggle";
import { useWorkspace } from "./workspace-context";

function Badge({ count, mention }: { count: number; mention: number }) {
  if (count === 0 && mention === 0) return null;
  return (
    <span className="ml-auto flex items-center gap-1">
      {mention > 0 ? (
        <span className="rounded-full bg-red-600 px-1.5 text-xs font-bold text-white">
          @{mention}
          <span className="sr-only"> {mention === 1 ? "mention" : "mentions"}</span>
        </span>
      ) : null}
      {count > 0 ? (
        <span className="rounded-full bg-white/20 px-1.5 text-xs font-semibold">
          {count}
          <span className="sr-only"> unread</span>
        </span>
      ) : null}
    </span>
  );
}

export function Sidebar() {
  const { me, workspace, workspaces, store, drawer } = useWorkspace();
  const channels = useChat(store, (state) => state.channels);
  const conversations = useChat(store, (state) => state.conversations);
  const online = useChat(store, (state) => state.online);
  const unreadThreads = useChat(store, (state) => state.threads.unreadThreads);
  const activityUnread = useChat(store, (state) => state.activityUnread);
  const router = useRouter();
  const pathname = usePathname();
  const params = useParams<{ channelId?: string; conversationId?: string }>();
  const [creating, setCreating] = useState(false);
  const [messaging, setMessaging] = useState(false);
  const base = `/w/${workspace.id}`;

  // Navigating closes the drawer on phones.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation
  useEffect(() => drawer.setOpen(false), [pathname]);

  const joined = channels.filter((channel) => channel.isMember);
  const linkClass = (active: boolean, unread: boolean) =>
    `flex items-center gap-1 rounded px-2 py-1 text-sm ${unread && !active ? "font-bold text-white" : ""}`;

  const content = (
    <div className="flex h-full flex-col">
      <div className="flex items-center gap-2 border-b border-white/10 p-3">
        <label htmlFor="workspace-switcher" className="sr-only">
          Switch workspace
        </label>
        <select
          id="workspace-switcher"
          value={workspace.id}
          onChange={(event) =>
            router.push(event.target.value === "new" ? "/welcome" : `/w/${event.target.value}`)
          }
          className="min-w-0 flex-1 rounded bg-transparent py-1 text-base font-bold text-inherit [&>option]:text-black"
        >
          {workspaces.map((item) => (
            <option key={item.id} value={item.id}>
              {item.name}
            </option>
          ))}
          <option value="new">Create or join a workspace…</option>
        </select>
        {drawer.open ? (
          <button
            type="button"
            className="rounded px-2 py-1 md:hidden"
            onClick={() => drawer.setOpen(false)}
            aria-label="Close sidebar"
          >
            ×
          </button>
        ) : null}
      </div>
      <div className="px-2 pt-2">
        <SearchButton />
      </div>
      <nav aria-label="Channels and direct messages" className="flex-1 overflow-y-auto p-2">
        <ul className="mb-4 flex flex-col gap-0.5">
          {[
            { path: "threads", label: "Threads", Icon: ThreadsIcon, count: unreadThreads },
            { path: "activity", label: "Activity", Icon: ActivityIcon, count: activityUnread },
          ].map(({ path, label, Icon, count }) => {
            const active = pathname === `${base}/${path}`;
            return (
              <li key={path}>
                <Link
                  href={`${base}/${path}`}
                  aria-current={active ? "page" : undefined}
                  className={linkClass(active, count > 0)}
                >
                  <Icon className="muted" />
                  <span className="truncate">{label}</span>
                  <Badge count={count} mention={0} />
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="mb-1 flex items-center justify-between px-2">
          <h2 className="muted text-xs font-semibold uppercase tracking-wide">Channels</h2>
          <button
            type="button"
            className="muted rounded px-1 text-lg leading-none"
            onClick={() => setCreating(true)}
            aria-label="Create channel"
            title="Create channel"
          >
            +
          </button>
        </div>
        <ul className="mb-1 flex flex-col gap-0.5">
          {joined.map((channel) => {
            const active = params.channelId === channel.id;
            return (
              <li key={channel.id}>
                <Link
                  href={placePath(workspace.id, { channelId: channel.id })}
                  aria-current={active ? "page" : undefined}
                  className={`${linkClass(active, channel.unreadCount > 0)} ${channel.archivedAt ? "opacity-60" : ""}`}
                >
                  <span className="muted w-4 text-center">
                    <ChannelMark isPrivate={channel.isPrivate} />
                  </span>
                  <span className="truncate">{channel.name}</span>
                  {channel.isPrivate ? <span className="sr-only"> (private)</span> : null}
                  <Badge count={channel.unreadCount} mention={channel.mentionCount} />
                </Link>
              </li>
            );
          })}
        </ul>
        <Link href={`${base}/browse`} className="muted block rounded px-2 py-1 text-sm">
          Browse channels
        </Link>
        <Link
          href={`${base}/members`}
          aria-current={pathname === `${base}/members` ? "page" : undefined}
          className="muted mb-4 block rounded px-2 py-1 text-sm"
        >
          Members
        </Link>
        <div className="mb-1 flex items-center justify-between px-2">
          <h2 className="muted text-xs font-semibold uppercase tracking-wide">Direct messages</h2>
          <button
            type="button"
            className="muted rounded px-1 text-lg leading-none"
            onClick={() => setMessaging(true)}
            aria-label="New message"
            title="New message"
          >
            +
          </button>
        </div>
        <ul className="flex flex-col gap-0.5">
          {conversations.map((conversation) => {
            const active = params.conversationId === conversation.id;
            const others = conversation.members.filter((member) => member.id !== me.id);
            const isOnline = others.some((member) => online.has(member.id));
            return (
              <li key={conversation.id}>
                <Link
                  href={placePath(workspace.id, { conversationId: conversation.id })}
                  aria-current={active ? "page" : undefined}
                  className={linkClass(active, conversation.unreadCount > 0)}
                >
                  <span className="relative shrink-0">
                    <Avatar
                      userId={(others[0] ?? conversation.members[0] ?? me).id}
                      name={(others[0] ?? conversation.members[0] ?? me).name}
                      size="sm"
                      className="h-5 w-5"
                    />
                    <span
                      aria-hidden="true"
                      className={`absolute -right-0.5 -bottom-0.5 inline-block h-2 w-2 rounded-full ${isOnline ? "bg-green-500" : "border border-current bg-panel"}`}
                    />
                  </span>
                  <span className="truncate">{conversationTitle(conversation, me.id)}</span>
                  {isOnline ? <span className="sr-only"> (online)</span> : null}
                  <Badge count={conversation.unreadCount} mention={conversation.mentionCount} />
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="flex flex-col gap-2 border-t border-white/10 p-3 text-sm">
        <p className="truncate font-semibold" title={me.email}>
          {me.name}
        </p>
        <div className="flex flex-wrap gap-x-3 gap-y-1">
          <Link href={`${base}/profile`} className="muted underline-offset-2 hover:underline">
            Your profile
          </Link>
          <Link href={`${base}/settings`} className="muted underline-offset-2 hover:underline">
            Workspace settings
          </Link>
          <Link href={`${base}/tokens`} className="muted underline-offset-2 hover:underline">
            API tokens
          </Link>
          <MarkAllReadButton className="muted rounded px-0 underline-offset-2 hover:underline" />
        </div>
        <NotificationSettings />
        <ThemeToggle className="muted" />
        <form action={signOut}>
          <button type="submit" className="muted rounded px-0 underline-offset-2 hover:underline">
            Sign out
          </button>
        </form>
      </div>
    </div>
  );

  return (
    <>
      <aside aria-label="Sidebar" className="sidebar hidden w-64 shrink-0 md:block">
        {content}
      </aside>
      {drawer.open ? (
        <div className="fixed inset-0 z-40 md:hidden">
          <button
            type="button"
            aria-label="Close sidebar"
            className="absolute inset-0 h-full w-full bg-black/50"
            onClick={() => drawer.setOpen(false)}
            tabIndex={-1}
          />
          <aside
            aria-label="Sidebar"
            className="sidebar absolute inset-y-0 left-0 w-72 max-w-[85%] shadow-xl"
          >
            {content}
          </aside>
        </div>
      ) : null}
      <CreateChannelDialog open={creating} onClose={() => setCreating(false)} />
      <NewConversationDialog open={messaging} onClose={() => setMessaging(false)} />
    </>
  );
}
