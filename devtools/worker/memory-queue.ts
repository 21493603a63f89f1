// An in-memory download queue (the fan-out port, worker/src/sync/ports.ts) whose "consumers" are a
// function the test gives: each flushed task is handed to it at once, as SQS consumers would take
// it, and `drained` waits for every task handed out. The real SQS path is tested with real worker
// processes on the SQS stand-in (test/worker/fanout.test.ts); this one keeps round logic in-process.
import type { DownloadTask } from "../../worker/src/fanout/download-queue";
import type { DownloadQueuePort } from "../../worker/src/sync/ports";

export class MemoryQueue implements DownloadQueuePort {
  /** Every task sent, in order. */
  readonly sent: DownloadTask[] = [];
  /** Times `drained` was awaited (a page that deletes waits for the queue first). */
  drains = 0;
  private buffer: DownloadTask[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly consume: (task: DownloadTask) => Promise<void>) {}

  /** Tasks handed out and not yet done. */
  get inFlight(): number {
    return this.running.size;
  }

  add(task: DownloadTask): void {
    this.buffer.push(task);
  }

  async flush(): Promise<number> {
    const tasks = this.buffer;
    this.buffer = [];
    for (const task of tasks) {
      this.sent.push(task);
      const work: Promise<void> = this.consume(task).finally(() => this.running.delete(work));
      this.running.add(work);
    }
    return tasks.length;
  }

  async drained(stop: AbortSignal): Promise<void> {
    this.drains++;
    while (this.running.size > 0) {
      stop.throwIfAborted();
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((_, reject) => stop.addEventListener("abort", () => reject(stop.reason), { once: true })),
      ]);
    }
  }
}
