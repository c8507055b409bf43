"use client";
/**
 * Files, as messages carry them and as they upload. An image shows as its
 * thumbnail in a box of its own proportions (sized before it loads, so the
 * list does not jump) and opens full size in a dialog; any other file is a
 * card with its name, size and type that downloads it. Uploads show a
 * progress bar each, with Cancel and, after a failure, Retry.
 */
import { useState } from "react";
import { formatSize, type StoredFile, type Upload, useUploads } from "@/app/_lib/uploads";
import { Dialog } from "./dialog";
import { useWorkspace } from "./workspace-context";

/** The longest side of an image preview in a message, in CSS pixels. */
const PREVIEW = 360;

function previewSize(file: StoredFile): { width: number; height: number } | null {
  if (!file.width || !file.height) return null;
  const scale = Math.min(1, PREVIEW / file.width, PREVIEW / file.height);
  return {
    width: Math.max(1, Math.round(file.width * scale)),
    height: Math.max(1, Math.round(file.height * scale)),
  };
}

/** "PDF", "PNG image", "ZIP archive" from a media type. */
function kindLabel(file: StoredFile): string {
  const [kind = "", sub = ""] = file.type.split("/");
  const named: Record<string, string> = {
    "application/pdf": "PDF",
    "application/zip": "ZIP archive",
    "text/plain": "Text",
    "text/html": "HTML",
    "image/svg+xml": "SVG image",
    "application/octet-stream": "File",
  };
  if (named[file.type]) return named[file.type] as string;
  const short =
    sub
      .replace(/^(x-|vnd\.)/, "")
      .split(/[.+]/)[0]
      ?.toUpperCase() ?? "";
  return kind === "image" || kind === "video" || kind === "audio" ? `${short} ${kind}` : short;
}

function ImageFile({ file }: { file: StoredFile }) {
  const [open, setOpen] = useState(false);
  const size = previewSize(file);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        aria-label={`Open image ${file.name}`}
        className="block overflow-hidden rounded-md border border-border bg-panel"
        style={size ? { width: size.width, height: size.height } : undefined}
      >
        {/* biome-ignore lint/performance/noImgElement: the server makes the thumbnail; next/image would only proxy it */}
        <img
          src={file.thumbnailUrl ?? file.url}
          alt={file.name}
          width={size?.width}
          height={size?.height}
          loading="lazy"
          className="h-full w-full object-cover"
        />
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title={file.name} wide>
        {/* biome-ignore lint/performance/noImgElement: the file itself, as stored */}
        <img
          src={file.url}
          alt={file.name}
          width={file.width}
          height={file.height}
          className="h-auto max-h-[70vh] w-full object-contain"
        />
        <a className="text-sm text-accent underline" href={file.url} download={file.name}>
          Download ({formatSize(file.size)})
        </a>
      </Dialog>
    </>
  );
}

function FileCard({ file }: { file: StoredFile }) {
  return (
    <a
      href={file.url}
      download={file.name}
      aria-label={`Download ${file.name}, ${kindLabel(file)}, ${formatSize(file.size)}`}
      className="flex w-72 max-w-full items-center gap-3 rounded-md border border-border bg-panel px-3 py-2 hover:bg-hover"
    >
      <span
        aria-hidden="true"
        className="flex h-10 w-10 shrink-0 items-center justify-center rounded bg-accent/15 text-[10px] font-bold text-accent"
      >
        {kindLabel(file).split(" ")[0]?.slice(0, 4)}
      </span>
      <span className="min-w-0">
        <span className="block truncate font-medium">{file.name}</span>
        <span className="block text-xs text-muted">
          {kindLabel(file)} · {formatSize(file.size)}
        </span>
      </span>
    </a>
  );
}

/** A message's files: images first as previews, then the others as cards, in their order. */
export function MessageFiles({ files }: { files: StoredFile[] }) {
  if (files.length === 0) return null;
  return (
    <ul aria-label="Files" className="mt-1 flex flex-wrap gap-2">
      {files.map((file) => (
        <li key={file.id}>
          {file.thumbnailUrl ? <ImageFile file={file} /> : <FileCard file={file} />}
        </li>
      ))}
    </ul>
  );
}

function UploadRow({ upload, onRemove }: { upload: Upload; onRemove: () => void }) {
  const { uploads } = useWorkspace();
  const status =
    upload.state === "stored"
      ? "Uploaded"
      : upload.state === "failed"
        ? `Not uploaded: ${upload.error}`
        : upload.state === "waiting"
          ? (upload.error ?? "Waiting…")
          : `${Math.round(upload.progress * 100)}%`;
  return (
    <li
      aria-label={`${upload.name}, ${status}`}
      className="flex w-64 max-w-full flex-col gap-1 rounded-md border border-border bg-panel px-2 py-1.5 text-xs"
    >
      <span className="flex items-center justify-between gap-2">
        <span className="truncate font-medium">{upload.name}</span>
        <span className="flex shrink-0 gap-1">
          {upload.state === "failed" || upload.state === "waiting" ? (
            <button
              type="button"
              className="rounded px-1 underline hover:bg-hover"
              onClick={() => uploads.retry(upload.localId)}
              aria-label={`Retry uploading ${upload.name}`}
            >
              Retry
            </button>
          ) : null}
          <button
            type="button"
            className="rounded px-1 hover:bg-hover"
            onClick={onRemove}
            aria-label={`Cancel ${upload.name}`}
          >
            ✕
          </button>
        </span>
      </span>
      <progress
        aria-label={`Uploading ${upload.name}`}
        max={1}
        value={upload.state === "stored" ? 1 : upload.progress}
        className="h-1.5 w-full"
      />
      <span className={upload.state === "failed" ? "text-danger" : "text-muted"}>
        {formatSize(upload.size)} · {status}
      </span>
    </li>
  );
}

/** Uploads by local id, with progress, Cancel and Retry (in a composer, or on a pending message). */
export function UploadList({
  localIds,
  onRemove,
  label = "Attached files",
}: {
  localIds: string[];
  onRemove: (localId: string) => void;
  label?: string;
}) {
  const { uploads } = useWorkspace();
  const all = useUploads(uploads);
  const shown = localIds
    .map((id) => all.find((upload) => upload.localId === id))
    .filter((upload): upload is Upload => upload !== undefined);
  if (shown.length === 0) return null;
  return (
    <ul aria-label={label} className="flex flex-wrap gap-2">
      {shown.map((upload) => (
        <UploadRow key={upload.localId} upload={upload} onRemove={() => onRemove(upload.localId)} />
      ))}
    </ul>
  );
}
