// Time, injectable: the round, the lease keeper, the throttle gate and the watchdog read the time and
// wait through a Clock, so tests drive throttling pauses and lease expiry by events instead of
// sleeping through real Retry-After seconds.
import { setTimeout as sleep } from "node:timers/promises";

export interface Clock {
  now(): number;
  /** Resolves after `ms` (rejects with the signal's reason when it fires first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};
