/**
 * At most `max` tasks at a time; the rest wait their turn in arrival order.
 * For work that would otherwise queue for a shared resource all at once
 * (the database pool) and starve everything else that needs it.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`Limiter needs max ≥ 1, got ${max}`);
  }

  /** Tasks running now and waiting, for diagnostics. */
  get load() {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next task, so `running` stays at max.
      if (next) next();
      else this.running--;
    }
  }
}
