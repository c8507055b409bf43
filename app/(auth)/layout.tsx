import type { ReactNode } from "react";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-full items-center justify-center bg-panel px-4 py-12">
      <div className="w-full max-w-sm rounded-xl border border-border bg-bg p-8 shadow-sm">
        <p className="mb-6 text-center text-2xl font-bold tracking-tight" aria-hidden="true">
          Sequent
        </p>
        {children}
      </div>
    </main>
  );
}
