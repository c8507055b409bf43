import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="max-w-md text-muted">
        This channel or conversation was not found. It may not exist, or it may be private and you
        are not a member.
      </p>
      <Link href="/" className="text-accent underline">
        Go back to your workspace
      </Link>
    </main>
  );
}
