// Counts permits for work that must not run more than N at a time.
export class Semaphore {
  private readonly waiting: Array<() => void> = [];

  constructor(private available: number) {
    if (!Number.isInteger(available) || available < 1)
      throw new Error(`Semaphore needs at least 1 permit, got ${available}`);
  }

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    }
  }
}
