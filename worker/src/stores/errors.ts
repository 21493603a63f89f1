// Failures of the per-site lease, distinguished because the CLI maps them to exit codes.
export class LeaseHeldError extends Error {
  constructor(
    readonly siteId: string,
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(
      `Another worker holds the lease for site ${siteId} (owner ${holder}, expires ${new Date(expiresAt).toISOString()}); ` +
        "this run exits without touching anything. If that worker is gone, the lease expires by itself " +
        '(see docs/runbooks/worker-operations.md, "Stuck lease").',
    );
    this.name = "LeaseHeldError";
  }
}

export class LeaseLostError extends Error {
  constructor(
    readonly siteId: string,
    detail: string,
  ) {
    super(`Lost the lease for site ${siteId}: ${detail}. Another worker took over; stopping without further writes.`);
    this.name = "LeaseLostError";
  }
}

/**
 * A content commit found the row no longer naming the content it was to replace: someone else (a
 * fan-out consumer, or the round) committed or deleted in between. The writer's upload was never
 * committed, so it removes it; `current` is the row as it is now (undefined once deleted).
 */
export class ContentChangedError extends Error {
  constructor(
    readonly siteId: string,
    readonly itemId: string,
    readonly expected: string | undefined,
    readonly current: { s3Key?: string; eTag?: string; fence?: number } | undefined,
  ) {
    super(
      `document ${itemId} no longer names ${expected ?? "no content"} (now ${current === undefined ? "deleted" : (current.s3Key ?? "no content")}): another writer committed first`,
    );
    this.name = "ContentChangedError";
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}
