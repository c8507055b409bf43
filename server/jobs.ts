/**
 * Work the server does on its own, on a timer, in every instance (each run
 * takes care that two instances do not do the same work twice):
 * notification mails every minute (server/notifications/mail.ts: an advisory
 * lock), and every ten minutes the removal of uploads no message took within
 * a day and of bytes an earlier removal left behind (server/files/write.ts:
 * marking is one UPDATE, so two instances never both take a file).
 */
import type { Db } from "@/db/client";
import { processSingleton } from "@/lib/singleton";
import { expireUnattached, sweepRemoved } from "@/server/files/write";
import { log } from "@/server/log";
import { sendNotificationMails } from "@/server/notifications/mail";

const MAIL_EVERY_MS = 60_000;
const FILES_EVERY_MS = 10 * 60_000;

function every(name: string, ms: number, work: () => Promise<unknown>) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await work();
    } catch (error) {
      log().warn({ err: error, job: name }, "a background job failed; it runs again later");
    } finally {
      running = false;
    }
  };
  // Timers never keep the process alive, and the first run waits a moment after start-up.
  setTimeout(() => void tick(), Math.min(ms, 15_000)).unref();
  setInterval(() => void tick(), ms).unref();
}

export function startJobs(db: Db): void {
  processSingleton("jobs", () => {
    every("notification mails", MAIL_EVERY_MS, () => sendNotificationMails(db));
    every("file removal", FILES_EVERY_MS, async () => {
      await expireUnattached(db);
      await sweepRemoved(db);
    });
    return true;
  });
}
