// Progress: a JSON log line at most every `intervalMs` (items, bytes, rate, ETA) and, only when
// stderr is a terminal, a cli-progress bar. The ETA needs a total: for a full round the live file
// count of the previous completed round; an incremental round has none (Graph does not say how
// many changes are pending).
import { SingleBar, Presets } from "cli-progress";
import type { Logger } from "pino";

export interface ProgressSnapshot {
  items: number;
  bytes: number;
  itemsPerSecond: number;
  bytesPerSecond: number;
  etaSeconds?: number;
}

export class Progress {
  private items = 0;
  private bytes = 0;
  private lastLog = 0;
  private readonly started = Date.now();
  private readonly bar?: SingleBar;

  constructor(
    private readonly logger: Logger,
    private expectedItems: number | undefined,
    private readonly intervalMs = 5000,
    tty: boolean = process.stderr.isTTY === true,
  ) {
    if (tty) {
      this.bar = new SingleBar(
        {
          stream: process.stderr,
          format: "{bar} {value}/{total} items | {rate} items/s | ETA {eta_formatted}",
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      this.bar.start(expectedItems ?? 0, 0, { rate: "0" });
    }
  }

  /** A new round started (e.g. a 410 turned it into a full resync): counting starts again. */
  restart(expectedItems: number | undefined): void {
    this.expectedItems = expectedItems;
    this.bar?.setTotal(expectedItems ?? 0);
  }

  resumeFrom(items: number, bytes: number): void {
    this.items = items;
    this.bytes = bytes;
  }

  itemDone(bytes: number): void {
    this.items++;
    this.bytes += bytes;
    const snapshot = this.snapshot();
    if (this.bar) {
      if (this.items > (this.expectedItems ?? 0)) this.bar.setTotal(this.items);
      this.bar.update(this.items, { rate: snapshot.itemsPerSecond.toFixed(1) });
    }
    const now = Date.now();
    if (now - this.lastLog >= this.intervalMs) {
      this.lastLog = now;
      this.logger.info({ progress: snapshot }, "progress");
    }
  }

  snapshot(): ProgressSnapshot {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const itemsPerSecond = this.items / seconds;
    const remaining = this.expectedItems === undefined ? undefined : Math.max(this.expectedItems - this.items, 0);
    return {
      items: this.items,
      bytes: this.bytes,
      itemsPerSecond: Math.round(itemsPerSecond * 10) / 10,
      bytesPerSecond: Math.round(this.bytes / seconds),
      etaSeconds: remaining === undefined || itemsPerSecond === 0 ? undefined : Math.round(remaining / itemsPerSecond),
    };
  }

  stop(): void {
    this.bar?.stop();
  }
}
