// A sliding one-second window: beyond maxRequestsPerSecond the emulator answers 429 with a
// Retry-After that covers the time until the window has room again (whole seconds, at least 1).
export class RateLimit {
  private readonly accepted: number[] = [];

  constructor(private readonly maxPerSecond: number | undefined) {}

  /** undefined when the request may proceed (and is counted), else the Retry-After in seconds. */
  admit(now = Date.now()): number | undefined {
    if (this.maxPerSecond === undefined) return undefined;
    while (this.accepted.length > 0 && this.accepted[0] <= now - 1000) this.accepted.shift();
    if (this.accepted.length < this.maxPerSecond) {
      this.accepted.push(now);
      return undefined;
    }
    return Math.max(1, Math.ceil((this.accepted[0] + 1000 - now) / 1000));
  }
}
