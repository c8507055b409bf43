/** A minimal async queue: a producer pushes, one consumer awaits the next item or the end. */
export class AsyncQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: ((value: T | undefined) => void) | undefined;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(item);
      return;
    }
    this.items.push(item);
  }

  /** The next item, or undefined once closed and drained. */
  next(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const item = this.items[this.head++] as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Ends the queue; items already pushed are still delivered. */
  close(): void {
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  get size(): number {
    return this.items.length - this.head;
  }
}
