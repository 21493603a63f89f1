// Holds the site's lease for the length of a run: acquires it, renews it every third of its
// lifetime, and raises `lost` (an AbortSignal) if a renewal finds another owner, so that the run
// stops before writing anything further.
import type { Logger } from "pino";
import { LeaseLostError } from "../stores/errors";
import type { Lease, LeaseStore } from "../stores/lease-store";

export class LeaseKeeper {
  private readonly lostController = new AbortController();
  private timer?: NodeJS.Timeout;
  private current?: Lease;

  private constructor(
    private readonly store: LeaseStore,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  static async acquire(
    store: LeaseStore,
    siteId: string,
    owner: string,
    ttlMs: number,
    logger: Logger,
  ): Promise<LeaseKeeper> {
    const keeper = new LeaseKeeper(store, ttlMs, logger);
    keeper.current = await store.acquire(siteId, owner, ttlMs);
    keeper.timer = setInterval(() => void keeper.renew(), Math.max(Math.floor(ttlMs / 3), 100));
    keeper.timer.unref();
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

  /** Fires when the lease was taken over by another worker. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  private async renew(): Promise<void> {
    if (this.lostController.signal.aborted || !this.current) return;
    try {
      this.current = await this.store.renew(this.current, this.ttlMs);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.logger.error({ err }, "lease lost");
        this.lostController.abort(err);
        this.stopRenewing();
      } else {
        // A failed heartbeat is not a lost lease: the next one may get through before expiry.
        this.logger.warn({ err }, "lease renewal failed; retrying at the next heartbeat");
      }
    }
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async release(): Promise<void> {
    this.stopRenewing();
    if (this.current && !this.lostController.signal.aborted) {
      await this.store.release(this.current);
      this.logger.info({ lease: { fence: this.current.fence } }, "lease released");
    }
  }
}
