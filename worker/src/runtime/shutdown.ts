// SIGTERM (Fargate Spot, ECS stop) and SIGINT (Ctrl-C): the first signal stops new work and gives
// in-flight items `graceMs` to finish; after that, or on a second signal, in-flight items are
// abandoned (their page is redone by the next run). ECS kills after stopTimeout (<= 120 s), so the
// grace plus releasing the lease stays far inside it.
import type { Logger } from "pino";

export const DEFAULT_GRACE_MS = 20_000;

export interface Shutdown {
  /** No new item may start. */
  readonly stop: AbortSignal;
  /** In-flight items must be abandoned. */
  readonly abort: AbortSignal;
  /** The signal that started the shutdown, if any. */
  readonly received: () => NodeJS.Signals | undefined;
  /** Also stop when `signal` fires (e.g. lease lost), without waiting for grace. */
  follow(signal: AbortSignal): void;
  dispose(): void;
}

export function installShutdown(logger: Logger, graceMs = DEFAULT_GRACE_MS): Shutdown {
  const stop = new AbortController();
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      logger.warn({ signal }, "second signal: abandoning in-flight items now");
      abort.abort(new Error(`${signal} received twice`));
      return;
    }
    received = signal;
    logger.warn(
      { signal, graceMs },
      "stopping: no new items; in-flight items get the grace period, then the lease is released",
    );
    stop.abort(new Error(`${signal} received`));
    graceTimer = setTimeout(() => abort.abort(new Error("shutdown grace period over")), graceMs);
    graceTimer.unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    stop: stop.signal,
    abort: abort.signal,
    received: () => received,
    follow(signal) {
      signal.addEventListener(
        "abort",
        () => {
          stop.abort(signal.reason);
          abort.abort(signal.reason);
        },
        { once: true },
      );
    },
    dispose() {
      if (graceTimer) clearTimeout(graceTimer);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}
