/**
 * The server's log: one JSON line per event (pino), at the level LOG_LEVEL
 * sets; in development, when pino-pretty is installed, coloured lines
 * instead (formatted in pino's worker thread, so nothing of it is bundled).
 *
 * Lines written while a request is served carry its request id (see
 * server/http/observe.ts), so a fault's line is found from the id a client
 * was told. Faults carry an error id that the client is told too; expected
 * refusals are not faults and are not logged with stacks. Never log message
 * bodies, passwords, tokens or cookies: the redaction below is a safety net,
 * not a licence.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";

const requests = processSingleton("log:requests", () => new AsyncLocalStorage<string>());

/** Runs `fn` as the request `requestId`: every line logged inside carries the id. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requests.run(requestId, fn);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return requests.getStore();
}

function create(): pino.Logger {
  const { LOG_LEVEL, NODE_ENV } = env();
  const options: pino.LoggerOptions = {
    level: LOG_LEVEL,
    base: { pid: process.pid },
    redact: {
      paths: ["*.password", "*.token", "*.cookie", "*.authorization", "*.body", "headers"],
      censor: "[redacted]",
    },
    mixin: () => {
      const requestId = requests.getStore();
      return requestId ? { requestId } : {};
    },
  };
  if (NODE_ENV === "development") {
    try {
      return pino({
        ...options,
        transport: {
          target: "pino-pretty",
          options: { ignore: "pid,hostname", translateTime: "HH:MM:ss.l" },
        },
      });
    } catch {
      // pino-pretty is a development dependency; without it, JSON lines.
    }
  }
  return pino(options);
}

export const log = () => processSingleton("log", create);
