/**
 * Batches concurrent sends. A send starts at once when nothing holds its
 * target; sends that arrive while a transaction for their target is running
 * wait and go together in the next one. Under load this turns N transactions
 * queueing on one channel's row lock (and N commits) into a few batched ones;
 * at low load it adds no delay.
 */
import type { Db } from "@/db/client";
import { targetKey } from "@/lib/target";
import { type SendInput, type SendResult, sendMessages } from "./send";

interface Job {
  input: SendInput;
  resolve: (result: SendResult) => void;
  reject: (error: unknown) => void;
}

export class SendQueue {
  private pending: Job[] = [];
  private inFlight = 0;
  private readonly busyTargets = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly maxInFlight = 8,
    private readonly maxBatch = 256,
  ) {}

  send(input: SendInput): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.maxInFlight && this.pending.length > 0) {
      const batch: Job[] = [];
      const waiting: Job[] = [];
      const targets = new Set<string>();
      for (const job of this.pending) {
        const key = targetKey(job.input.target);
        if (this.busyTargets.has(key) || batch.length >= this.maxBatch) waiting.push(job);
        else {
          batch.push(job);
          targets.add(key);
        }
      }
      if (batch.length === 0) return;
      this.pending = waiting;
      for (const key of targets) this.busyTargets.add(key);
      this.inFlight++;
      void this.run(batch).finally(() => {
        for (const key of targets) this.busyTargets.delete(key);
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(jobs: Job[]) {
    try {
      const results = await sendMessages(
        this.db,
        jobs.map((job) => job.input),
      );
      jobs.forEach((job, index) => {
        job.resolve(results[index] as SendResult);
      });
    } catch (error) {
      if (jobs.length === 1) {
        jobs[0]?.reject(error);
        return;
      }
      // One failing send must not fail its neighbours: retry each on its own.
      await Promise.all(
        jobs.map((job) =>
          sendMessages(this.db, [job.input]).then(
            (results) => job.resolve(results[0] as SendResult),
            job.reject,
          ),
        ),
      );
    }
  }
}

const queues = new WeakMap<Db, SendQueue>();

/** The queue for a database handle (one per pool). */
export function sendQueue(db: Db): SendQueue {
  let queue = queues.get(db);
  if (!queue) {
    queue = new SendQueue(db);
    queues.set(db, queue);
  }
  return queue;
}
