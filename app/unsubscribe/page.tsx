import type { Metadata } from "next";
import Link from "next/link";
import { unsubscribeSignatureHolds } from "@/server/mail/links";

export const metadata: Metadata = { title: "Notification mails" };

/** The page an unsubscribe link opens: one button (a GET changes nothing; scanners follow links). */
export default async function UnsubscribePage({
  searchParams,
}: {
  searchParams: Promise<{ u?: string; t?: string; done?: string }>;
}) {
  const { u = "", t = "", done } = await searchParams;
  const valid = /^[0-9a-f-]{36}$/i.test(u) && unsubscribeSignatureHolds(u, t);
  return (
    <main className="flex min-h-full items-center justify-center bg-panel px-4 py-12">
      <div className="w-full max-w-sm rounded-xl border border-border bg-bg p-8 shadow-sm">
        <h1 className="mb-4 text-xl font-semibold">Notification mails</h1>
        {!valid ? (
          <p role="alert">This unsubscribe link is not valid.</p>
        ) : done ? (
          <p role="status">
            Done: you will get no more mails about mentions and direct messages. Turn them back on
            in your profile.
          </p>
        ) : (
          <form
            method="post"
            action={`/api/unsubscribe?u=${u}&t=${encodeURIComponent(t)}`}
            className="flex flex-col gap-4"
          >
            <p>Stop mails about mentions and direct messages that arrive while you are away?</p>
            <button
              type="submit"
              className="rounded-md bg-accent px-3 py-2 text-sm font-medium text-accent-fg"
            >
              Unsubscribe
            </button>
          </form>
        )}
        <p className="mt-6 text-sm">
          <Link className="text-accent underline" href="/">
            Open Sequent
          </Link>
        </p>
      </div>
    </main>
  );
}
