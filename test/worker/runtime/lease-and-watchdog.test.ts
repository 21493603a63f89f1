// The lease keeper decides locally when its lease may have expired (a renewal that hangs is no
// renewal), and the watchdog ends a run that has stopped making progress. Both on a manual clock.
import { strict as assert } from "node:assert";
import pino from "pino";
import { ManualClock } from "../../../devtools/worker/manual-clock";
import { RoundWorld } from "../../../devtools/worker/round-world";
import { LEASE_SAFETY_MARGIN, LeaseKeeper } from "../../../worker/src/runtime/lease-keeper";
import { Watchdog } from "../../../worker/src/runtime/watchdog";
import { LeaseLostError } from "../../../worker/src/stores/errors";
import type { Lease } from "../../../worker/src/stores/lease-store";

const silent = pino({ level: "silent" });

describe("worker runtime: lease expiry known locally, and the no-progress watchdog", () => {
  it("stops writing once TTL minus the margin has passed since the last renewal, even when DynamoDB never answers", async () => {
    const clock = new ManualClock();
    const store = {
      acquire: async (siteId: string, owner: string, ttl: number): Promise<Lease> => ({
        siteId,
        owner,
        fence: 4,
        expiresAt: clock.now() + ttl,
      }),
      renew: () => new Promise<Lease>(() => undefined), // DynamoDB unreachable: hangs for ever
      release: async () => undefined,
    };
    const keeper = await LeaseKeeper.acquire(store, "site", "me", 60_000, silent, clock);
    keeper.assertHeld();
    clock.advance(60_000 * (1 - LEASE_SAFETY_MARGIN) - 1);
    keeper.assertHeld();
    assert.equal(keeper.lost.aborted, false);
    clock.advance(1);
    assert.throws(
      () => keeper.assertHeld(),
      (err: unknown) => {
        assert.ok(err instanceof LeaseLostError);
        assert.match(err.message, /no lease renewal succeeded for 48 s/);
        return true;
      },
    );
    assert.equal(keeper.lost.aborted, true, "uploads following `lost` are aborted");
    await keeper.release();
  });

  it("fires when nothing moves for the limit, and not while progress is reported", () => {
    const clock = new ManualClock();
    const watchdog = new Watchdog(clock, 10_000, 60_000);
    try {
      clock.advance(9_000);
      watchdog.touch();
      clock.advance(9_000);
      watchdog.check();
      assert.equal(watchdog.stalled.aborted, false);
      clock.advance(1_000);
      watchdog.check();
      assert.equal(watchdog.stalled.aborted, true);
      assert.match((watchdog.stalled.reason as Error).message, /no progress for 10 s/);
    } finally {
      watchdog.dispose();
    }
  });

  it("counts bytes of a long upload as progress: a big file is not a stalled run", async () => {
    const world = await RoundWorld.start();
    try {
      world.library().addFile(null, "Big.bin", { size: 3 * 1024 * 1024, seed: 1 });
      let touches = 0;
      const run = await world.run({ onProgress: () => touches++ });
      assert.ifError(run.error);
      assert.ok(touches > 20, `the 3 MiB upload touched the watchdog as its bytes passed (${touches} times)`);
    } finally {
      await world.close();
    }
  });
});
