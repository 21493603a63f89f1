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

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}
