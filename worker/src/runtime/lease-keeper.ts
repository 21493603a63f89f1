// Holds the site's lease for the length of a run: acquires it, renews it every third of its lifetime,
// and raises `lost` (an AbortSignal) when the lease can no longer be trusted:
// - a renewal found another owner (taken over), or
// - the lease CAN have expired: the last successful renewal was sent more than TTL - margin ago. This
//   is decided locally, by the clock, so it holds even when DynamoDB does not answer at all (a
//   renewal that hangs is no renewal). From then on the run writes nothing and aborts its uploads.
// The margin covers clock skew between workers and the time a write takes to land.
import type { Logger } from "pino";
import { LeaseLostError } from "../stores/errors";
import type { Lease, LeaseStore } from "../stores/lease-store";
import { systemClock, type Clock } from "./clock";

/** What the round needs of the lease: its fence, and a check before every write. */
export interface LeaseGuard {
  readonly fence: number;
  /** Fires when the lease was lost or may have expired. */
  readonly lost: AbortSignal;
  /** Throws LeaseLostError when no further write may be made. */
  assertHeld(): void;
}

/** Share of the TTL kept in reserve: the run stops writing this long before the lease can expire. */
export const LEASE_SAFETY_MARGIN = 0.2;

export class LeaseKeeper implements LeaseGuard {
  private readonly lostController = new AbortController();
  private renewTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private current?: Lease;
  /** Local time until which our writes are safe. */
  private validUntil = 0;
  private renewing = false;

  private constructor(
    private readonly store: Pick<LeaseStore, "acquire" | "renew" | "release">,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  static async acquire(
    store: Pick<LeaseStore, "acquire" | "renew" | "release">,
    siteId: string,
    owner: string,
    ttlMs: number,
    logger: Logger,
    clock: Clock = systemClock,
  ): Promise<LeaseKeeper> {
    const keeper = new LeaseKeeper(store, ttlMs, logger, clock);
    const sentAt = clock.now();
    keeper.current = await store.acquire(siteId, owner, ttlMs);
    keeper.extend(sentAt);
    keeper.renewTimer = setInterval(() => void keeper.renew(), Math.max(Math.floor(ttlMs / 3), 100));
    keeper.renewTimer.unref();
    logger.info(
      { lease: { owner, fence: keeper.current.fence, expiresAt: new Date(keeper.current.expiresAt).toISOString() } },
      "lease acquired",
    );
    return keeper;
  }

  get fence(): number {
    return this.lease.fence;
  }

  get lease(): Lease {
    if (!this.current) throw new Error("lease not acquired");
    return this.current;
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  assertHeld(): void {
    if (this.lostController.signal.aborted) throw this.lostController.signal.reason;
    if (this.clock.now() >= this.validUntil) {
      this.expire();
      throw this.lostController.signal.reason;
    }
  }

  /** A renewal sent at `sentAt` succeeded: writes are safe until sentAt + TTL - margin. */
  private extend(sentAt: number): void {
    this.validUntil = sentAt + this.ttlMs * (1 - LEASE_SAFETY_MARGIN);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, this.validUntil - this.clock.now()));
    this.expiryTimer.unref();
  }

  private expire(): void {
    if (this.lostController.signal.aborted || this.clock.now() < this.validUntil) return;
    const err = new LeaseLostError(
      this.lease.siteId,
      `no lease renewal succeeded for ${Math.round((this.ttlMs * (1 - LEASE_SAFETY_MARGIN)) / 1000)} s (DynamoDB unreachable or slow), so the lease may have expired`,
    );
    this.logger.error({ err, lease: { fence: this.lease.fence } }, "lease may have expired: stopping all writes");
    this.lose(err);
  }

  private lose(err: LeaseLostError): void {
    this.lostController.abort(err);
    this.stopTimers();
  }

  private async renew(): Promise<void> {
    if (this.lostController.signal.aborted || !this.current || this.renewing) return;
    this.renewing = true;
    const sentAt = this.clock.now();
    try {
      this.current = await this.store.renew(this.current, this.ttlMs);
      if (!this.lostController.signal.aborted) this.extend(sentAt);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.logger.error({ err }, "lease lost");
        this.lose(err);
      } else {
        // A failed heartbeat is not a lost lease: the next one may get through before expiry.
        this.logger.warn({ err }, "lease renewal failed; retrying at the next heartbeat");
      }
    } finally {
      this.renewing = false;
    }
  }

  private stopTimers(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.renewTimer = undefined;
    this.expiryTimer = undefined;
  }

  async release(): Promise<void> {
    this.stopTimers();
    if (this.current && !this.lostController.signal.aborted) {
      await this.store.release(this.current);
      this.logger.info({ lease: { fence: this.current.fence } }, "lease released");
    }
  }
}
