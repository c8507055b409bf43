"use client";
/** What every part of a workspace tab shares: who I am, the workspace, the chat store, the outbox. */
import { createContext, useContext } from "react";
import type { ChatStore, InitialHistory } from "@/app/_lib/chat-store";
import type { Outbox } from "@/app/_lib/outbox";
import type { Me, WorkspaceSummary } from "@/app/_lib/types";
import type { Uploads } from "@/app/_lib/uploads";
import type { Target } from "@/lib/target";

export interface OpenTarget {
  target: Target;
  /** Position of the history the page rendered; the stream resumes after it. */
  position: number;
  /** The history the page rendered, and where reading starts. */
  history: InitialHistory;
}

export interface WorkspaceContextValue {
  me: Me;
  workspace: {
    id: string;
    name: string;
    role: "owner" | "admin" | "member";
    generalChannelId: string | null;
  };
  workspaces: WorkspaceSummary[];
  store: ChatStore;
  outbox: Outbox;
  /** Files on their way to storage (attached in a composer, or waiting in the outbox). */
  uploads: Uploads;
  /** Called by the open channel or conversation page. */
  setOpen(open: OpenTarget | null): void;
  drawer: { open: boolean; setOpen(open: boolean): void };
}

export const WorkspaceContext = createContext<WorkspaceContextValue | null>(null);

export function useWorkspace(): WorkspaceContextValue {
  const value = useContext(WorkspaceContext);
  if (!value) throw new Error("useWorkspace outside a workspace");
  return value;
}
