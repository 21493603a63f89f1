// Keeps the client under the request budget Graph enforces once Graph has said where it is.
// Graph throttles per application with a budget over a window (https://learn.microsoft.com/graph/
// throttling): a client that bursts into it gets 429s and loses whole Retry-After pauses. After a
// throttled answer the pacer takes the number of requests Graph admitted in the last second as the
// budget (less 5%), and from then on spreads API requests so that no second holds more; while no
// throttle comes, it raises the limit by one request every ten seconds to follow a budget that grew.
// Downloads use pre-authenticated URLs outside the API budget and are not paced.
import type { Clock } from "../runtime/clock";

const WINDOW_MS = 1000;
/** The client's window is a little longer than Graph's, so arrival jitter cannot fit one more into Graph's. */
const PACING_WINDOW_MS = 1100;
const BACK_OFF = 0.95;
const RAISE_EVERY_MS = 10_000;
const MIN_SAMPLE = 5;

export class Pacer {
  private readonly sent: number[] = [];
  private readonly admitted: number[] = [];
  /** Requests per second allowed; undefined until Graph first throttles. */
  limit?: number;
  private lastChange = 0;

  constructor(private readonly clock: Clock) {}

  /** Resolves with the send time when one more API request fits in the window, and counts it. */
  async admit(signal?: AbortSignal): Promise<number> {
    for (;;) {
      const now = this.clock.now();
      prune(this.sent, now, PACING_WINDOW_MS);
      if (this.limit === undefined || this.sent.length < this.limit) {
        this.sent.push(now);
        this.raise(now);
        return now;
      }
      await this.clock.sleep(Math.max(1, this.sent[0] + PACING_WINDOW_MS - now), signal);
    }
  }

  /** Graph answered (not throttled): the request counted against the budget. */
  answered(): void {
    this.admitted.push(this.clock.now());
  }

  /**
   * Graph throttled a request sent at `sentAt`: the budget is what it admitted in the last second.
   * A request sent before the limit last changed tells nothing new (it was in flight when the
   * previous throttle was learnt), so it does not lower the limit again.
   */
  throttled(sentAt: number): void {
    if (this.limit !== undefined && sentAt < this.lastChange) return;
    const now = this.clock.now();
    prune(this.admitted, now, WINDOW_MS);
    // Too few admitted requests to tell a budget from a passing storm: the pause alone answers it.
    if (this.admitted.length < MIN_SAMPLE) return;
    this.limit = Math.floor(this.admitted.length * BACK_OFF);
    this.lastChange = now;
  }

  private raise(now: number): void {
    if (this.limit !== undefined && now - this.lastChange >= RAISE_EVERY_MS) {
      this.limit++;
      this.lastChange = now;
    }
  }
}

function prune(times: number[], now: number, windowMs: number): void {
  while (times.length > 0 && times[0] <= now - windowMs) times.shift();
}
