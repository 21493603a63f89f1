// The worker's exit codes, in ONE place (sysexits.h where one fits). docs/worker.md has the table
// for operators; the Step Functions definition (components/sync-state-machine.ts) mirrors the codes
// it routes on, and a test keeps the two equal.
export const EXIT = {
  ok: 0,
  /** The round did not complete (a store failed, the watchdog saw no progress); the next run resumes. */
  failed: 1,
  /** `sync --max-duration` ran out at a durable checkpoint with work left; lease released, the next run resumes there. */
  moreWork: 3,
  /** EX_DATAERR: the round completed, but items are in quarantine (`status` lists them; QuarantinedItems counts them). */
  completedWithQuarantine: 65,
  /** EX_TEMPFAIL: another worker holds (or took over) the site's lease, or ours may have expired; try again later. */
  leaseHeld: 75,
  /** EX_CONFIG: the configuration is invalid; the message names every problem. */
  config: 78,
  /** Stopped by SIGINT / SIGTERM (128 + signal number), checkpoint written, lease released. */
  interrupted: { SIGINT: 130, SIGTERM: 143 },
} as const;
