/** What every command-line script shares: one-line errors and a clean database shutdown. */
import { closeDatabase } from "@/db/client";
import { SchemaError } from "@/db/migrate";
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
      const oneLine = error instanceof EnvError || error instanceof SchemaError;
      console.error(oneLine ? error.message : error);
      await finish(1);
    }
  })();
}
