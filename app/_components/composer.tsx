"use client";
/**
 * The message box of a channel, a conversation or a thread: Enter sends,
 * Shift+Enter breaks the line, Up on an empty box edits your last message,
 * "@" suggests people. The draft is kept per place (and per thread) across
 * reloads; sends go through the outbox, so they show at once as pending and
 * are retried with the same clientMessageId until stored.
 *
 * Files attach by the button, by dropping them on the box, or by pasting
 * (a screenshot from the clipboard); each starts uploading at once with its
 * own progress bar. A message may be files alone; it goes out once they are
 * stored.
 */
import {
  type ClipboardEvent,
  type DragEvent,
  forwardRef,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
} from "react";
import { type ChosenMentions, decodeMentions } from "@/app/_lib/mention-text";
import { DRAFT_BACK, type DraftBack } from "@/app/_lib/outbox";
import { useTRPCClient } from "@/app/_lib/trpc";
import { sameTarget, type Target, targetInput, targetKey } from "@/lib/target";
import { UploadList } from "./attachments";
import { PaperclipIcon } from "./icons";
import { isOverLimit, MessageEditor } from "./message-editor";
import { useMembers } from "./use-members";
import { useWorkspace } from "./workspace-context";

const TYPING_EVERY_MS = 3000;

export interface ComposerHandle {
  focus(): void;
}

/** Files attached but not sent yet, per box (a place, or a thread), for as long as the tab lives. */
const attachedDrafts = new Map<string, { localId: string; name: string }[]>();

// Set by whatever navigates on purpose to a place to write in (Ctrl/Cmd+K):
// the next main composer that opens takes the focus.
let focusNextComposer = false;
export function focusComposerOnOpen() {
  focusNextComposer = true;
}

export const Composer = forwardRef<
  ComposerHandle,
  {
    target: Target;
    /** Replies go into this thread. */
    parentId?: string;
    /** For thread replies: where "Also send to …" sends them. */
    channelLabel?: string;
    placeholder: string;
    onEditLast?: () => void;
    /** Escape in the box: the thread closes; in a channel, everything counts as read. */
    onEscape?: () => void;
  }
>(function Composer({ target, parentId, channelLabel, placeholder, onEditLast, onEscape }, ref) {
  const { outbox, me, uploads, workspace } = useWorkspace();
  const [files, setFilesState] = useState<{ localId: string; name: string }[]>([]);
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const { resolve } = useMembers();
  const client = useTRPCClient();
  const draftKey = `sequent:draft:${me.id}:${targetKey(target)}${parentId ? `:${parentId}` : ""}`;
  const [body, setBody] = useState("");
  const [alsoInChannel, setAlsoInChannel] = useState(false);
  const chosen = useRef<ChosenMentions>(new Map());
  const lastTyping = useRef(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const submit = useRef<(() => void) | null>(null);
  useImperativeHandle(ref, () => ({ focus: () => box.current?.focus() }), []);
  const setFiles = (
    next:
      | { localId: string; name: string }[]
      | ((current: { localId: string; name: string }[]) => { localId: string; name: string }[]),
  ) =>
    setFilesState((current) => {
      const value = typeof next === "function" ? next(current) : next;
      if (value.length > 0) attachedDrafts.set(draftKey, value);
      else attachedDrafts.delete(draftKey);
      return value;
    });

  useEffect(() => {
    setBody(window.localStorage.getItem(draftKey) ?? "");
    // Attachments stay with the box they were dropped in, uploading, while you look elsewhere.
    setFilesState(attachedDrafts.get(draftKey) ?? []);
    chosen.current = new Map();
    if (focusNextComposer && !parentId) {
      focusNextComposer = false;
      box.current?.focus();
    }
  }, [draftKey, parentId]);

  // A message that could not be sent comes back here to be changed, mentions as names.
  useEffect(() => {
    const back = (event: Event) => {
      const { detail } = event as CustomEvent<DraftBack>;
      if (!sameTarget(detail.target, target) || (detail.parentId ?? undefined) !== parentId) return;
      const decoded = decodeMentions(detail.body, resolve);
      chosen.current = decoded.chosen;
      setBody(decoded.text);
      setFilesState(detail.files);
      if (detail.files.length > 0) attachedDrafts.set(draftKey, detail.files);
      window.localStorage.setItem(draftKey, decoded.text);
      box.current?.focus();
    };
    window.addEventListener(DRAFT_BACK, back);
    return () => window.removeEventListener(DRAFT_BACK, back);
  }, [target, parentId, resolve, draftKey]);

  const update = (value: string) => {
    setBody(value);
    if (value) window.localStorage.setItem(draftKey, value);
    else window.localStorage.removeItem(draftKey);
    const now = Date.now();
    if (value.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      client.channel.typing
        .mutate({ ...targetInput(target), ...(parentId ? { threadId: parentId } : {}) })
        .catch(() => {});
    }
  };

  const send = (wire: string) => {
    outbox.enqueue({
      clientMessageId: crypto.randomUUID(),
      target,
      body: wire,
      parentId: parentId ?? null,
      alsoInChannel: Boolean(parentId && alsoInChannel),
      ...(files.length > 0 ? { files } : {}),
    });
    chosen.current = new Map();
    setFiles([]);
    update("");
    lastTyping.current = 0;
  };

  const attach = (list: FileList | File[]) => {
    const added = [...list].map((file, index) => {
      // A pasted screenshot comes as "image.png"; give it a name worth keeping.
      const name =
        file.name && file.name !== "image.png"
          ? file.name
          : `Pasted image ${new Date().toISOString().slice(0, 19).replace("T", " ")}${index ? ` (${index + 1})` : ""}.${file.type.split("/")[1] ?? "png"}`;
      return { localId: uploads.add(workspace.id, file, name), name };
    });
    if (added.length > 0) setFiles((current) => [...current, ...added]);
  };
  const removeFile = (localId: string) => {
    uploads.cancel(localId);
    setFiles((current) => current.filter((file) => file.localId !== localId));
  };
  const onPaste = (event: ClipboardEvent<HTMLFormElement>) => {
    if (event.clipboardData.files.length === 0) return;
    event.preventDefault();
    attach(event.clipboardData.files);
  };
  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    setDragging(false);
    if (event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    attach(event.dataTransfer.files);
  };

  const over = isOverLimit(body);
  const empty = !body.trim() && files.length === 0;
  return (
    <form
      className={`relative border-t border-border p-3 ${dragging ? "bg-accent/10" : ""}`}
      aria-label={parentId ? "Reply in thread" : "Send a message"}
      onSubmit={(event) => {
        event.preventDefault();
        // Files alone: the editor sends only text, so send them from here.
        if (!body.trim() && files.length > 0) send("");
        else submit.current?.();
      }}
      onKeyDownCapture={(event) => {
        if (
          event.key === "Enter" &&
          !event.shiftKey &&
          !event.nativeEvent.isComposing &&
          !body.trim() &&
          files.length > 0
        ) {
          event.preventDefault();
          send("");
        }
      }}
      onPaste={onPaste}
      onDragOver={(event) => {
        if ([...event.dataTransfer.types].includes("Files")) {
          event.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {files.length > 0 ? (
        <div className="mb-2">
          <UploadList localIds={files.map((file) => file.localId)} onRemove={removeFile} />
        </div>
      ) : null}
      <div className="flex items-end gap-2 rounded-lg border border-border bg-bg p-2 focus-within:border-accent">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          aria-label={parentId ? "Files to attach to the reply" : "Files to attach"}
          onChange={(event) => {
            if (event.target.files) attach(event.target.files);
            event.target.value = "";
          }}
        />
        <MessageEditor
          value={body}
          onChange={update}
          onSubmit={send}
          onEmptyUp={onEditLast}
          onCancel={onEscape}
          chosen={chosen}
          label={placeholder}
          placeholder={placeholder}
          boxRef={box}
          submitRef={submit}
        />
        {/* After the box, so that Shift+Tab from the box reaches the messages. */}
        <button
          type="button"
          onClick={() => picker.current?.click()}
          aria-label="Attach files"
          title="Attach files (or drop or paste them here)"
          className="rounded-md px-2 py-1.5 text-muted hover:bg-hover"
        >
          <PaperclipIcon className="h-5 w-5" />
        </button>
        <button
          type="submit"
          disabled={empty || over}
          className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg disabled:opacity-50"
        >
          {parentId ? "Reply" : "Send"}
        </button>
      </div>
      {parentId && channelLabel ? (
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={alsoInChannel}
            onChange={(event) => setAlsoInChannel(event.target.checked)}
          />
          Also send to {channelLabel}
        </label>
      ) : null}
      <p className="mt-1 hidden text-xs text-muted sm:block">
        <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        {onEditLast ? (
          <>
            {" "}
            · <kbd>↑</kbd> to edit your last message
          </>
        ) : null}
      </p>
    </form>
  );
});
