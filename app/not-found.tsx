import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-full flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="text-muted">There is nothing here, or it is not yours to see.</p>
      <Link href="/" className="text-accent underline">
        Go to Sequent
      </Link>
    </main>
  );
}
