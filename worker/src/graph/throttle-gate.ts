// One gate shared by every request of a Graph client. A 429/503 with Retry-After closes it for that
// long, so ALL requests pause (Graph counts the requests made while throttled against us and
// extends the penalty), not just the one that was refused.
import { systemClock, type Clock } from "../runtime/clock";

export class ThrottleGate {
  private openAt = 0;
  /** How many times the gate was closed, and for how long in total (for the run summary). */
  pauses = 0;
  pausedMs = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  close(forMs: number): void {
    const now = this.clock.now();
    const until = now + forMs;
    if (until > this.openAt) {
      this.pausedMs += until - Math.max(this.openAt, now);
      this.openAt = until;
    }
    this.pauses++;
  }

  /** Whether a request would wait now. */
  get closed(): boolean {
    return this.openAt > this.clock.now();
  }

  /** Resolves once the gate is open (immediately when it is). */
  async pass(signal?: AbortSignal): Promise<void> {
    for (let wait = this.openAt - this.clock.now(); wait > 0; wait = this.openAt - this.clock.now()) {
      await this.clock.sleep(wait, signal);
    }
  }
}

/** Retry-After in seconds (or an HTTP date), as milliseconds; a fallback when absent or unreadable. */
export function retryAfterMs(header: string | null, fallbackMs: number, now: number = Date.now()): number {
  if (header === null) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}
