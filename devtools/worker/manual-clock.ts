// A clock that moves only when a test says so: throttling pauses of real Retry-After lengths (41 to
// 315 s in production) and lease lifetimes are tested without waiting for them.
import type { Clock } from "../../worker/src/runtime/clock";

interface Sleeper {
  until: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper = { until: this.time + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
      this.notify();
    });
  }

  /** How many callers are waiting on the clock. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Resolves once at least `count` callers are waiting on the clock (an event, not a delay). */
  untilSleeping(count = 1): Promise<void> {
    if (this.sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Moves time on and wakes whoever's wait is over. */
  advance(ms: number): void {
    this.time += ms;
    const due = this.sleepers.filter((s) => s.until <= this.time);
    this.sleepers = this.sleepers.filter((s) => s.until > this.time);
    for (const s of due) s.resolve();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (this.sleepers.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

/**
 * A clock on which every wait is over at once, moving time on by the wait: a throttling storm with
 * Retry-After pauses runs in milliseconds, and the pauses still add up (ThrottleGate.pausedMs).
 */
export class VirtualClock implements Clock {
  private time: number;
  /** Total time waited. */
  waited = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.time += ms;
    this.waited += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
