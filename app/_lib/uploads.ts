"use client";
/**
 * Files on their way to storage, per tab. An upload starts the moment a file
 * is attached: `file.createUpload` reserves its size and says where to PUT
 * the bytes (straight to S3 with a presigned URL, or to the app), an
 * XMLHttpRequest sends them with progress, and `file.completeUpload` has the
 * server judge them. The outbox sends a message only once all its files are
 * stored (`whenStored`), so a message never goes out without its files.
 *
 * Rules kept here:
 * - A network failure is not the file's fault: the upload waits and starts
 *   again (at once when the browser is back online); a refusal (too large,
 *   the quota, a disguised type) fails it with the server's reason, and the
 *   person retries or removes it.
 * - The bytes are kept in IndexedDB until the message that carries them is
 *   sent, so a pending message with files survives a reload like any other.
 */
import { useSyncExternalStore } from "react";
import type { TrpcClient } from "./trpc";
import type { Message } from "./types";

export type StoredFile = Message["files"][number];

export interface Upload {
  localId: string;
  workspaceId: string;
  name: string;
  size: number;
  type: string;
  state: "uploading" | "waiting" | "stored" | "failed";
  /** 0..1 of the bytes sent. */
  progress: number;
  file?: StoredFile;
  error?: string;
}

/** An upload the server refused: the message that needs it cannot go until it is fixed. */
export class UploadRefused extends Error {
  readonly data = { code: "BAD_REQUEST" };
}

const RETRY_MS = [2000, 4000, 8000, 15000, 30000];
const DB_NAME = "sequent-uploads";
const STORE = "files";

interface Kept {
  localId: string;
  workspaceId: string;
  name: string;
  type: string;
  blob: Blob;
}

function database(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === "undefined") return Promise.resolve(null);
  return new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "localId" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
  });
}

async function keep(record: Kept) {
  const db = await database();
  db?.transaction(STORE, "readwrite").objectStore(STORE).put(record);
}

async function kept(localId: string): Promise<Kept | null> {
  const db = await database();
  if (!db) return null;
  return new Promise((resolve) => {
    const request = db.transaction(STORE, "readonly").objectStore(STORE).get(localId);
    request.onsuccess = () => resolve((request.result as Kept | undefined) ?? null);
    request.onerror = () => resolve(null);
  });
}

async function forget(localIds: string[]) {
  const db = await database();
  if (!db) return;
  const store = db.transaction(STORE, "readwrite").objectStore(STORE);
  for (const id of localIds) store.delete(id);
}

function message(error: unknown): { text: string; refused: boolean } {
  const shape = error as { message?: string; data?: { code?: string } };
  const code = shape?.data?.code;
  if (!code || code === "INTERNAL_SERVER_ERROR" || code === "TOO_MANY_REQUESTS")
    return { text: "Waiting for the connection…", refused: false };
  return { text: shape.message ?? "The server refused this file.", refused: true };
}

export class Uploads {
  private readonly uploads = new Map<string, Upload>();
  private readonly blobs = new Map<string, Blob>();
  private readonly requests = new Map<string, XMLHttpRequest>();
  private readonly listeners = new Set<() => void>();
  private readonly attempts = new Map<string, number>();
  private snapshot: Upload[] = [];

  constructor(private readonly client: TrpcClient) {
    if (typeof window !== "undefined") window.addEventListener("online", this.resumeWaiting);
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getAll = () => this.snapshot;

  get(localId: string): Upload | undefined {
    return this.uploads.get(localId);
  }

  private set(localId: string, patch: Partial<Upload>) {
    const current = this.uploads.get(localId);
    if (!current) return;
    this.uploads.set(localId, { ...current, ...patch });
    this.snapshot = [...this.uploads.values()];
    for (const listener of this.listeners) listener();
  }

  /** Starts uploading a file to a workspace; returns its local id. */
  add(workspaceId: string, file: Blob, name: string): string {
    const localId = crypto.randomUUID();
    const type = file.type || "application/octet-stream";
    this.uploads.set(localId, {
      localId,
      workspaceId,
      name,
      size: file.size,
      type,
      state: "uploading",
      progress: 0,
    });
    this.blobs.set(localId, file);
    void keep({ localId, workspaceId, name, type, blob: file });
    this.start(localId);
    return localId;
  }

  /** After a reload: takes up again the uploads of messages still waiting in the outbox. */
  async restore(localIds: string[]) {
    for (const localId of localIds) {
      if (this.uploads.has(localId)) continue;
      const record = await kept(localId);
      if (!record) {
        this.uploads.set(localId, {
          localId,
          workspaceId: "",
          name: "a file",
          size: 0,
          type: "",
          state: "failed",
          progress: 0,
          error: "This file was lost when the page reloaded; attach it again.",
        });
        this.set(localId, {});
        continue;
      }
      this.uploads.set(localId, {
        localId,
        workspaceId: record.workspaceId,
        name: record.name,
        size: record.blob.size,
        type: record.type,
        state: "uploading",
        progress: 0,
      });
      this.blobs.set(localId, record.blob);
      this.start(localId);
    }
  }

  retry(localId: string) {
    const upload = this.uploads.get(localId);
    if (!upload || upload.state === "stored" || upload.state === "uploading") return;
    this.attempts.delete(localId);
    this.start(localId);
  }

  /** Stops an upload and forgets it (the server gives its quota back). */
  cancel(localId: string) {
    this.requests.get(localId)?.abort();
    this.requests.delete(localId);
    const fileId = this.uploads.get(localId)?.file?.id ?? this.pendingIds.get(localId);
    if (fileId) void this.client.file.discard.mutate({ fileId }).catch(() => {});
    this.uploads.delete(localId);
    this.blobs.delete(localId);
    this.pendingIds.delete(localId);
    this.snapshot = [...this.uploads.values()];
    void forget([localId]);
    for (const listener of this.listeners) listener();
  }

  /** The message that carried these files was sent: their bytes need not be kept any more. */
  release(localIds: string[]) {
    for (const localId of localIds) {
      this.uploads.delete(localId);
      this.blobs.delete(localId);
      this.pendingIds.delete(localId);
    }
    this.snapshot = [...this.uploads.values()];
    void forget(localIds);
    for (const listener of this.listeners) listener();
  }

  /**
   * The file ids once every one of these uploads is stored. Refused uploads
   * reject with UploadRefused (the message fails until they are fixed);
   * waiting ones keep the promise pending until they are stored.
   */
  whenStored(localIds: string[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const uploads = localIds.map((id) => this.uploads.get(id));
        const failed = uploads.find((upload) => !upload || upload.state === "failed");
        if (failed !== undefined || uploads.some((upload) => upload === undefined)) {
          this.listeners.delete(check);
          reject(
            new UploadRefused(
              failed ? `${failed.name}: ${failed.error ?? "not uploaded"}` : "A file is missing.",
            ),
          );
          return;
        }
        if (uploads.every((upload) => upload?.state === "stored")) {
          this.listeners.delete(check);
          resolve(uploads.map((upload) => upload?.file?.id as string));
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  private readonly pendingIds = new Map<string, string>();

  private resumeWaiting = () => {
    for (const upload of this.uploads.values())
      if (upload.state === "waiting") this.start(upload.localId);
  };

  private start(localId: string) {
    const upload = this.uploads.get(localId);
    const blob = this.blobs.get(localId);
    if (!upload || !blob) return;
    this.set(localId, { state: "uploading", progress: 0, error: undefined });
    void this.run(upload, blob).catch((error: unknown) => {
      if (!this.uploads.has(localId)) return;
      const { text, refused } = message(error);
      if (refused) {
        this.set(localId, { state: "failed", error: text });
        return;
      }
      this.set(localId, { state: "waiting", error: text });
      const attempt = this.attempts.get(localId) ?? 0;
      this.attempts.set(localId, attempt + 1);
      setTimeout(
        () => {
          if (this.uploads.get(localId)?.state === "waiting") this.start(localId);
        },
        RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)],
      );
    });
  }

  private async run(upload: Upload, blob: Blob) {
    const started = await this.client.file.createUpload.mutate({
      workspaceId: upload.workspaceId,
      name: upload.name,
      size: blob.size,
      ...(/^[\w.+-]+\/[\w.+-]+$/.test(upload.type) ? { type: upload.type } : {}),
    });
    this.pendingIds.set(upload.localId, started.fileId);
    await this.put(upload.localId, started.upload, blob);
    if (!this.uploads.has(upload.localId)) return;
    const file = await this.client.file.completeUpload.mutate({ fileId: started.fileId });
    this.attempts.delete(upload.localId);
    this.set(upload.localId, { state: "stored", progress: 1, file });
  }

  private put(
    localId: string,
    target: { url: string; method: "PUT"; headers: Record<string, string> },
    blob: Blob,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      this.requests.set(localId, request);
      request.open(target.method, target.url);
      for (const [name, value] of Object.entries(target.headers))
        request.setRequestHeader(name, value);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) this.set(localId, { progress: event.loaded / event.total });
      };
      request.onload = () => {
        this.requests.delete(localId);
        if (request.status >= 200 && request.status < 300) return resolve();
        let reason = `The upload was refused (${request.status}).`;
        try {
          reason = (JSON.parse(request.responseText) as { error: { message: string } }).error
            .message;
        } catch {}
        reject(
          request.status >= 500
            ? new Error(reason)
            : Object.assign(new Error(reason), { data: { code: "BAD_REQUEST" } }),
        );
      };
      request.onerror = () => {
        this.requests.delete(localId);
        reject(new Error("network"));
      };
      request.onabort = () => {
        this.requests.delete(localId);
        reject(new Error("cancelled"));
      };
      request.send(blob);
    });
  }

  close() {
    if (typeof window !== "undefined") window.removeEventListener("online", this.resumeWaiting);
    for (const request of this.requests.values()) request.abort();
  }
}

export function useUploads(uploads: Uploads): Upload[] {
  return useSyncExternalStore(uploads.subscribe, uploads.getAll, () => [] as Upload[]);
}

/** 1.2 MB, 340 KB, 12 bytes. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
