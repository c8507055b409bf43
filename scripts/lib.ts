/** What every command-line script shares: one-line errors and a clean database shutdown. */
import { closeDatabase } from "@/db/client";
import { EnvError, env } from "@/lib/env";

/** Runs `main`, then closes the database (stopping an embedded server we started), then exits. */
export function runScript(main: () => Promise<void>): void {
  const finish = async (code: number) => {
    await closeDatabase().catch(() => {});
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void finish(signal === "SIGINT" ? 130 : 143));
  }
  (async () => {
    try {
      env();
      await main();
      await finish(0);
    } catch (error) {
      console.error(error instanceof EnvError ? error.message : error);
      await finish(1);
    }
  })();
}
