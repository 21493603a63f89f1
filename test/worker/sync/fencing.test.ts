// Finding 2 of issue 12: a worker that lost its lease can no longer overwrite newer content. A
// worker is cut off from DynamoDB (and, separately, from S3) in the middle of an upload while a
// second worker takes over: the first stops writing once its lease may have expired (decided
// locally, as its renewals hang), says so, and its requests delivered late are refused by the
// fence; the bucket equals the library afterwards.
import { strict as assert } from "node:assert";
import { Partition } from "../../../devtools/worker/memory-stores";
import { ROUND_SITE, RoundWorld } from "../../../devtools/worker/round-world";
import { LeaseLostError } from "../../../worker/src/stores/errors";

const TTL_MS = 600;

describe("worker round: every write fenced", function () {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 8 });
  });
  afterEach(async () => world.close());

  /** A killed or partitioned holder cannot release its lease: the next one may start once it expired. */
  async function untilLeaseExpired(): Promise<void> {
    const lease = world.leases.items.get(ROUND_SITE)!;
    const wait = lease.expiresAt - Date.now() + 1;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  it("a worker cut off from DynamoDB mid-upload stops writing; a second takes over; late writes are refused", async () => {
    const library = world.library();
    library.generate({ files: 40, folders: 4, seed: 12, maxSize: 4096 });
    const dynamo = new Partition(TTL_MS * 1.5, true);
    let uploads = 0;
    world.content.onPut = () => {
      if (++uploads === 12) dynamo.cut();
    };
    const stale = await world.run({ dynamo, leaseTtlMs: TTL_MS, concurrency: 4 });
    world.content.onPut = undefined;
    assert.ok(
      stale.error instanceof LeaseLostError,
      `the stale worker stops with a lost lease: ${String(stale.error)}`,
    );
    assert.ok(
      stale.logs.some((l) => l.msg === "lease may have expired: stopping all writes"),
      "the stale worker says what happened",
    );

    // The library changes, and a second worker takes over once the lease has expired.
    const changed = [...library.expectedFiles().keys()].slice(0, 5);
    for (const id of changed) library.updateFile(id, Buffer.from(`newer content of ${id}`));
    await untilLeaseExpired();
    const next = await world.run({ leaseTtlMs: 60_000 });
    assert.ifError(next.error);
    assert.ok(next.fence > stale.fence);
    assert.ifError((await world.run()).error);

    // The partition heals: everything the stale worker had sent arrives now, and is refused.
    dynamo.heal();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(dynamo.delivered > 0, "the stale worker had writes in flight");
    assert.ok(dynamo.refused > 0, "its late writes were refused by the fence");
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("a worker cut off from S3 mid-upload gives up within its timeouts; the next worker completes the mirror", async () => {
    const library = world.library();
    library.generate({ files: 30, folders: 3, seed: 13, maxSize: 4096 });
    const s3 = new Partition(200, false);
    let uploads = 0;
    world.content.onPut = () => {
      if (++uploads === 10) s3.cut();
    };
    const stale = await world.run({ s3, itemAttempts: 2, concurrency: 4 });
    world.content.onPut = undefined;
    assert.ok(stale.error, "the cut-off worker fails instead of running on");
    assert.match(String(stale.error), /timed out/);
    assert.equal(world.leases.items.get(ROUND_SITE)!.owner, undefined, "and releases its lease");

    const next = await world.run();
    assert.ifError(next.error);
    assert.equal(next.result!.resumed, true);
    s3.heal();
    assert.equal(s3.delivered, 0);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("a worker whose lease was taken over cannot overwrite a row the new holder wrote", async () => {
    const library = world.library();
    library.addFile(null, "a.txt", Buffer.from("a"));
    assert.ifError((await world.run()).error);
    const row = [...world.documents.rows.values()].find((r) => r.kind === "file")!;
    await assert.rejects(world.documents.put({ ...row, path: "stale/a.txt" }, row.fence! - 1), LeaseLostError);
    await assert.rejects(world.documents.delete(row.siteId, row.itemId, row.fence! - 1), LeaseLostError);
    assert.equal(world.documents.rows.get(`${row.siteId}\u0000${row.itemId}`)!.path, "a.txt");
  });
});
