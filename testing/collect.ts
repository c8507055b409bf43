/** Test helper: runs an async iterable in the background and collects what it yields. */
export interface Collector<T> {
  items: T[];
  /** Resolves when the iterable ends (or was stopped). */
  done: Promise<void>;
  until(predicate: (items: T[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function collect<T>(
  iterable: AsyncIterable<unknown>,
  controller: AbortController,
  map: (value: unknown) => T,
): Collector<T> {
  const items: T[] = [];
  const done = (async () => {
    try {
      for await (const value of iterable) items.push(map(value));
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return {
    items,
    done,
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(items)) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out after ${items.length} items: ${JSON.stringify(items.slice(-3))}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}
