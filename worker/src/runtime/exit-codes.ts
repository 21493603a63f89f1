// Exit codes (sysexits.h where one fits), documented in docs/worker.md.
export const EXIT = {
  ok: 0,
  failed: 1,
  /** `sync --max-duration` ran out at a durable checkpoint with work left; the next run resumes there. */
  moreWork: 3,
  /** EX_TEMPFAIL: another worker holds (or took over) the site's lease; try again later. */
  leaseHeld: 75,
  /** EX_CONFIG: the configuration is invalid; the message names every problem. */
  config: 78,
  /** Stopped by SIGINT / SIGTERM (128 + signal number), checkpoint written, lease released. */
  interrupted: { SIGINT: 130, SIGTERM: 143 },
} as const;
