/**
 * The server's log: one JSON line per event (pino), at the level LOG_LEVEL
 * sets. Faults carry an error id that the client is told, so a report can be
 * matched to its line; expected refusals are not faults and are not logged
 * with stacks. Never log message bodies, passwords, tokens or cookies.
 */
import pino from "pino";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";

export const log = () =>
  processSingleton("log", () =>
    pino({
      level: env().LOG_LEVEL,
      base: { pid: process.pid },
      redact: ["*.password", "*.token", "*.cookie", "*.authorization", "*.body"],
    }),
  );
