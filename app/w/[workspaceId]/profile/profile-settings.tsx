"use client";
/**
 * Your profile: the name and status line every workspace of yours sees (live,
 * through the tab streams), your password, and ending your sessions. The
 * server checks everything; its refusals are shown beside the field they are
 * about.
 */
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, useTransition } from "react";
import { Avatar } from "@/app/_components/avatar";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { errorsByField } from "@/app/_components/field-errors";
import { Button, Field } from "@/app/_components/form";
import { PageFrame, Section } from "@/app/_components/page-frame";
import { useWorkspace } from "@/app/_components/workspace-context";
import { signOut } from "@/app/_lib/sign-out";
import { describeError, useTRPC } from "@/app/_lib/trpc";

/** What server/schemas.ts (ZPasswordSchema, personalPasswordProblem) and user.changePassword enforce. */
const PASSWORD_RULES =
  "At least 10 characters (at most 256) with at least 4 different characters; not only spaces, not one of the most common passwords, not your email address or name, and not your current password.";

export function ProfileSettings() {
  return (
    <PageFrame title="Your profile" subtitle="Name, status, picture, mail, password and sessions">
      <ProfileForm />
      <PictureForm />
      <MailSettings />
      <PasswordForm />
      <SignOutEverywhere />
    </PageFrame>
  );
}

function ProfileForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const { me } = useWorkspace();
  const [saved, setSaved] = useState({ name: me.name, status: me.status });
  const [name, setName] = useState(me.name);
  const [status, setStatus] = useState(me.status);
  const [notice, setNotice] = useState("");
  const update = useMutation(
    trpc.user.update.mutationOptions({
      onMutate: () => setNotice(""),
      onSuccess: (user) => {
        setSaved({ name: user.name, status: user.status });
        setName(user.name);
        setStatus(user.status);
        setNotice("Profile saved. Everyone in your workspaces sees the change now.");
        // The sidebar and pages rendered on the server show my name: render them again.
        router.refresh();
      },
    }),
  );
  const errors = errorsByField(update.error, { name: "Display name", status: "Status" });
  const changed = name !== saved.name || status !== saved.status;
  return (
    <Section
      id="profile-heading"
      title="Name and status"
      description="Your display name and a short status line, shown beside your name to everyone in your workspaces."
    >
      <form
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({
            ...(name !== saved.name ? { name } : {}),
            ...(status !== saved.status ? { status } : {}),
          });
        }}
      >
        <div className="flex items-center gap-3">
          <Avatar userId={me.id} name={name.trim() || saved.name} size="lg" />
          <p className="min-w-0 text-sm text-muted">
            Without a picture, your avatar shows your initials on a colour of your own.
          </p>
        </div>
        <Field
          label="Display name"
          name="profile-name"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setNotice("");
          }}
          autoComplete="name"
          required
          maxLength={80}
          hint="1 to 80 characters."
          error={errors.fields.name}
        />
        <Field
          label="Status"
          name="profile-status"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value);
            setNotice("");
          }}
          autoComplete="off"
          maxLength={100}
          placeholder="In meetings until 3 pm"
          hint="Up to 100 characters on one line; leave it empty to clear your status."
          error={errors.fields.status}
        />
        {errors.message ? (
          <p role="alert" className="text-sm text-danger">
            {errors.message}
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={update.isPending || !changed}>
            {update.isPending ? "Saving…" : "Save profile"}
          </Button>
          <p role="status" className="text-sm">
            {notice}
          </p>
        </div>
      </form>
    </Section>
  );
}

function Checkbox({
  label,
  hint,
  checked,
  onChange,
}: {
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
        aria-describedby={`${id}-hint`}
        className="mt-1 h-4 w-4 shrink-0 accent-[var(--accent)]"
      />
      <div className="flex flex-col">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <p id={`${id}-hint`} className="text-xs text-muted">
          {hint}
        </p>
      </div>
    </div>
  );
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

function PasswordForm() {
  const trpc = useTRPC();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [endOthers, setEndOthers] = useState(false);
  const [revokeTokens, setRevokeTokens] = useState(false);
  const [notice, setNotice] = useState("");
  const change = useMutation(
    trpc.user.changePassword.mutationOptions({
      onMutate: () => setNotice(""),
      onSuccess: ({ endedSessions, revokedTokens }, input) => {
        setCurrent("");
        setNext("");
        setConfirm("");
        const parts = ["Password changed. You stay signed in here."];
        if (input.signOutEverywhere)
          parts.push(
            `${plural(endedSessions, "other session was", "other sessions were")} signed out.`,
          );
        if (input.revokeTokens)
          parts.push(`${plural(revokedTokens, "API token was", "API tokens were")} revoked.`);
        setNotice(parts.join(" "));
      },
    }),
  );
  const errors = errorsByField(change.error, {
    currentPassword: "Current password",
    newPassword: "New password",
  });
  return (
    <Section
      id="password-heading"
      title="Password"
      description="Changing it keeps you signed in here. Your other sessions stay signed in unless you sign them out below."
    >
      <form
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (next !== confirm) {
            setMismatch(true);
            change.reset();
            setNotice("");
            return;
          }
          change.mutate({
            currentPassword: current,
            newPassword: next,
            signOutEverywhere: endOthers,
            revokeTokens,
          });
        }}
      >
        {/* Lets password managers tie the new password to this account. */}
        <AccountEmail />
        <Field
          label="Current password"
          name="current-password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
          error={errors.fields.currentPassword}
        />
        <Field
          label="New password"
          name="new-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={256}
          value={next}
          onChange={(event) => {
            setNext(event.target.value);
            setMismatch(false);
          }}
          hint={PASSWORD_RULES}
          error={errors.fields.newPassword}
        />
        <Field
          label="Confirm new password"
          name="confirm-password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(event) => {
            setConfirm(event.target.value);
            setMismatch(false);
          }}
          error={mismatch ? "The two new passwords do not match." : undefined}
        />
        <Checkbox
          label="Sign out of every other session"
          hint="Other browsers and devices must sign in again with the new password."
          checked={endOthers}
          onChange={setEndOthers}
        />
        <Checkbox
          label="Revoke my API tokens"
          hint="Scripts and bots using your tokens stop working until you give them new ones."
          checked={revokeTokens}
          onChange={setRevokeTokens}
        />
        {errors.message ? (
          <p role="alert" className="text-sm text-danger">
            {errors.message}
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button
            type="submit"
            disabled={change.isPending || current === "" || next === "" || confirm === ""}
          >
            {change.isPending ? "Changing…" : "Change password"}
          </Button>
          <p role="status" className="text-sm">
            {notice}
          </p>
        </div>
      </form>
    </Section>
  );
}

/** The account's email as a hidden username field, for password managers. */
function AccountEmail() {
  const { me } = useWorkspace();
  return (
    <input type="email" name="username" autoComplete="username" value={me.email} readOnly hidden />
  );
}

function SignOutEverywhere() {
  const trpc = useTRPC();
  const [confirming, setConfirming] = useState(false);
  const [revokeTokens, setRevokeTokens] = useState(false);
  const [leaving, startLeaving] = useTransition();
  const end = useMutation(
    trpc.user.signOutEverywhere.mutationOptions({
      // This session ended too: clear its cookie and go to the sign-in page.
      onSuccess: () => startLeaving(() => signOut()),
    }),
  );
  return (
    <Section
      id="sessions-heading"
      title="Sign out everywhere"
      description="Ends every session of yours: on other computers and phones, and this one. Use it if you signed in somewhere you no longer trust."
    >
      <div>
        <Button
          variant="danger"
          onClick={() => {
            end.reset();
            setConfirming(true);
          }}
        >
          Sign out everywhere
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        pendingLabel="Signing out…"
        pending={end.isPending || end.isSuccess || leaving}
        error={end.error ? describeError(end.error).message : undefined}
        onConfirm={() => end.mutate({ revokeTokens })}
      >
        <p>
          Every browser and device signed in as you is signed out, this one included. You can sign
          in again with your password.
        </p>
        <Checkbox
          label="Also revoke my API tokens"
          hint="Scripts and bots using them stop working until you give them new ones."
          checked={revokeTokens}
          onChange={setRevokeTokens}
        />
      </ConfirmDialog>
    </Section>
  );
}

/** A profile picture: any image, cropped square and resized by the server (POST /api/avatar). */
function PictureForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const { me } = useWorkspace();
  const [picture, setPicture] = useState<string | null>(me.avatarUrl);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const remove = useMutation(
    trpc.user.removeAvatar.mutationOptions({
      onSuccess: () => {
        setPicture(null);
        setNotice("Picture removed: your initials show again.");
        router.refresh();
      },
      onError: (cause) => setError(describeError(cause).message),
    }),
  );
  const upload = async (file: File) => {
    setBusy(true);
    setNotice("");
    setError("");
    try {
      const response = await fetch("/api/avatar", { method: "POST", body: file });
      const json = (await response.json()) as { avatarUrl?: string; error?: { message: string } };
      if (!response.ok || !json.avatarUrl)
        throw new Error(json.error?.message ?? "The picture was not saved.");
      setPicture(json.avatarUrl);
      setNotice("Picture saved. Everyone in your workspaces sees it now.");
      router.refresh();
    } catch (cause) {
      setError((cause as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section
      id="picture-heading"
      title="Profile picture"
      description="Shown beside your messages, in the sidebar and on your profile card. Any image up to 10 MB; it is cropped to a square."
    >
      <div className="flex flex-wrap items-center gap-3">
        <Avatar userId={me.id} name={me.name} size="lg" src={picture} />
        <label
          htmlFor={inputId}
          className="cursor-pointer rounded-md border border-border px-3 py-2 text-sm font-medium hover:bg-hover"
        >
          {busy ? "Uploading…" : picture ? "Choose another picture" : "Choose a picture"}
        </label>
        <input
          id={inputId}
          type="file"
          accept="image/*"
          className="sr-only"
          disabled={busy}
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = "";
            if (file) void upload(file);
          }}
        />
        {picture ? (
          <Button variant="secondary" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Remove picture
          </Button>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="text-sm text-danger">
          {error}
        </p>
      ) : null}
      {notice ? (
        <p role="status" className="text-sm text-muted">
          {notice}
        </p>
      ) : null}
    </Section>
  );
}

/** Mails about mentions and direct messages while you are away. */
function MailSettings() {
  const trpc = useTRPC();
  const { me } = useWorkspace();
  const [enabled, setEnabled] = useState(me.emailNotifications);
  const set = useMutation(
    trpc.user.setEmailNotifications.mutationOptions({
      onSuccess: (result) => setEnabled(result.enabled),
    }),
  );
  return (
    <Section
      id="mail-heading"
      title="Mail"
      description={`Mail goes to ${me.email}${me.emailVerified ? "" : " (not confirmed yet)"}.`}
    >
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={enabled}
          disabled={set.isPending}
          onChange={(event) => set.mutate({ enabled: event.target.checked })}
        />
        Mail me about mentions and direct messages while I am away (at most one mail every few
        minutes)
      </label>
      {set.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(set.error).message}
        </p>
      ) : null}
    </Section>
  );
}
