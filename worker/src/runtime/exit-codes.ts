// Exit codes (sysexits.h where one fits), documented in docs/worker.md.
export const EXIT = {
  ok: 0,
  /** The round did not complete (a store failed, the watchdog saw no progress); the next run resumes. */
  failed: 1,
  /** EX_DATAERR: the round completed, but items are in quarantine (`status` lists them). */
  completedWithQuarantine: 65,
  /** EX_TEMPFAIL: another worker holds (or took over) the site's lease, or ours may have expired; try again later. */
  leaseHeld: 75,
  /** EX_CONFIG: the configuration is invalid; the message names every problem. */
  config: 78,
  /** Stopped by SIGINT / SIGTERM (128 + signal number), checkpoint written, lease released. */
  interrupted: { SIGINT: 130, SIGTERM: 143 },
} as const;
