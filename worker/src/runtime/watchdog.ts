// Ends a run that has stopped making progress (every call has a timeout, but a fault that keeps
// timing out and retrying must not hold the site's lease for ever): when nothing moves for `limitMs`
// (no item applied, no page, no row of the end-of-round pass), `stalled` fires with a message that
// says so, and the run stops as a failure the next run resumes from.
import type { Clock } from "./clock";

export class Watchdog {
  private readonly controller = new AbortController();
  private last: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    readonly limitMs: number,
    checkEveryMs = Math.min(limitMs, 1000),
  ) {
    this.last = clock.now();
    this.timer = setInterval(() => this.check(), checkEveryMs);
    this.timer.unref();
  }

  get stalled(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    this.last = this.clock.now();
  }

  check(): void {
    if (this.controller.signal.aborted) return;
    const idle = this.clock.now() - this.last;
    if (idle >= this.limitMs)
      this.controller.abort(
        new Error(
          `no progress for ${Math.round(idle / 1000)} s (no item, page or row handled): stopping the run; the next run resumes from the checkpoint`,
        ),
      );
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
