// Faults that need no child process, in-process on the Graph emulator and the in-memory stores:
// 410 in the middle of a round, and a throttling storm with production-length Retry-After pauses
// (on a clock where waiting takes no time).
import { strict as assert } from "node:assert";
import { VirtualClock } from "../../../devtools/worker/manual-clock";
import { RoundWorld } from "../../../devtools/worker/round-world";

describe("worker round under Graph faults", () => {
  let world: RoundWorld;
  afterEach(async () => world.close());

  it("resyncs after 410 on a nextLink in the middle of a round and sweeps what the fresh listing lacks", async () => {
    world = await RoundWorld.start({ pageSize: 20 });
    const library = world.library();
    library.generate({ files: 120, folders: 6, seed: 22, maxSize: 1024 });
    let armed = false;
    const run = await world.run({
      onLogLine: (line) => {
        if (armed || line.msg !== "page durable") return;
        armed = true;
        library.delete([...library.expectedFiles().keys()][5]);
        world.graph.faults.goneOnNextLink();
      },
    });
    assert.ifError(run.error);
    assert.equal(run.result!.resyncs, 1);
    assert.equal(run.result!.mode, "full");
    assert.ok(world.graph.stats.gone >= 1);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("rides out a storm of 30 throttled answers (Retry-After 41 s) with zero failed items", async () => {
    world = await RoundWorld.start({ pageSize: 25 });
    world.library().generate({ files: 100, folders: 5, seed: 23, maxSize: 1024 });
    const clock = new VirtualClock();
    let armed = false;
    world.graph.events.on("item", () => {
      if (armed) return;
      armed = true;
      // The storm hits while many requests are in flight, as it does in production.
      world.graph.faults.throttle(20, { retryAfterSeconds: 41 });
      world.graph.faults.throttle(10, { retryAfterSeconds: 41, status: 503 });
    });
    const run = await world.run({ http: { clock } });
    assert.ifError(run.error);
    assert.equal(world.graph.stats.throttled, 30);
    assert.equal(run.result!.counters.itemRetries, 0, "throttling is absorbed by the client, no item fails");
    assert.equal(run.result!.counters.downloaded, 100);
    assert.ok(clock.waited >= 41_000, `the client waited Retry-After (${clock.waited} ms of virtual time)`);
    assert.deepEqual(world.mirrorMismatches(), []);
  });
});
