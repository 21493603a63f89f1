// `reset --site <id>`: forget the deltaLink and any round in progress, so the next `sync` is a full
// resync (which ends by sweeping whatever the fresh listing no longer returns). Takes the lease, so
// it never races a running sync.
import type { Logger } from "pino";
import type { WorkerConfig } from "../config/load";
import type { Services } from "../runtime/services";
import { leaseOwner } from "./sync";

export async function resetCommand(config: WorkerConfig, services: Services, logger: Logger): Promise<void> {
  const lease = await services.lease.acquire(config.siteId, leaseOwner(), config.leaseTtlMs);
  try {
    await services.checkpoints.claim(config.siteId, lease.fence);
    await services.state.claim(config.siteId, lease.fence);
    await services.checkpoints.clear(config.siteId, lease.fence);
    await services.state.forgetDeltaLink(config.siteId, lease.fence);
    logger.info({ siteId: config.siteId }, "reset: the next sync runs a full resync");
  } finally {
    await services.lease.release(lease);
  }
}
