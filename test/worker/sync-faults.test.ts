// Faults, with the worker as a child process: 410 on the delta link and mid-round, a throttling
// storm, two workers for one site, SIGTERM during a round.
import { strict as assert } from "node:assert";
import { WorkerHarness, mirrorMismatches, summaryOf } from "../../devtools/worker/harness";

describe("worker sync under faults", function () {
  this.timeout(90_000);
  let h: WorkerHarness;
  afterEach(async () => h.close());

  it("resyncs after 410 on the delta link and sweeps what the fresh listing no longer returns", async () => {
    h = await WorkerHarness.start({ pageSize: 40 });
    const library = h.library();
    library.generate({ files: 80, folders: 6, seed: 21, maxSize: 8192 });
    assert.equal((await h.sync()).code, 0);
    const files = [...library.expectedFiles().keys()];
    library.delete(files[0]);
    library.delete(files[1]);
    library.updateFile(files[2], Buffer.from("changed"));
    h.graph.faults.goneOnDeltaLink("resyncChangesApplyDifferences");

    const run = await h.sync();
    assert.equal(run.code, 0, run.stderr);
    const summary = summaryOf(run);
    assert.equal(summary.mode, "full");
    assert.equal(summary.resyncs, 1);
    assert.equal((summary.finish as { swept: number }).swept, 2, "the two deleted files were swept, not reported");
    assert.equal(summary.downloaded, 1);
    assert.ok(
      run.logs.some((l) => l.msg?.toString().includes("410")),
      "the resync is logged",
    );
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("resyncs after 410 on a nextLink in the middle of a round", async () => {
    h = await WorkerHarness.start({ pageSize: 20, latencyMs: 40 });
    const library = h.library();
    library.generate({ files: 200, folders: 10, seed: 22, maxSize: 4096 });
    const worker = h.startSync(["--concurrency", "4"]);
    await h.untilCheckpointed();
    const stale = [...library.expectedFiles().keys()][5];
    library.delete(stale);
    h.graph.faults.goneOnNextLink();
    const run = await worker.exited;
    assert.equal(run.code, 0, run.stderr);
    const summary = summaryOf(run);
    assert.equal(summary.resyncs, 1);
    assert.equal(summary.mode, "full");
    assert.ok(h.graph.stats.gone >= 1);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("rides out a throttling storm (30 x 429, Retry-After 1) with zero failed items", async () => {
    h = await WorkerHarness.start({ pageSize: 50, latencyMs: 10 });
    const library = h.library();
    library.generate({ files: 100, folders: 5, seed: 23, maxSize: 4096 });
    const worker = h.startSync();
    // The storm hits while many requests are in flight, as it does in production.
    await h.until(async () => h.graph.stats.itemGets > 0, "the first item requests");
    h.graph.faults.throttle(20, { retryAfterSeconds: 1 });
    h.graph.faults.throttle(10, { retryAfterSeconds: 1, status: 503 });
    const run = await worker.exited;
    assert.equal(run.code, 0, run.stderr);
    const summary = summaryOf(run) as {
      graph: { throttled: number; pauses: number };
      itemRetries: number;
      downloaded: number;
    };
    assert.equal(h.graph.stats.throttled, 30);
    assert.equal(summary.graph.throttled, 30);
    assert.equal(summary.itemRetries, 0, "throttling is absorbed by the client, no item fails");
    assert.equal(summary.downloaded, 100);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("lets only one of two workers for a site run: the other exits 75 and the data stays intact", async () => {
    h = await WorkerHarness.start({ pageSize: 25, latencyMs: 20 });
    const library = h.library();
    library.generate({ files: 100, folders: 5, seed: 24, maxSize: 4096 });
    const first = h.startSync();
    await first.waitForLog((l) => l.msg === "lease acquired");
    const second = await h.sync();
    assert.equal(second.code, 75);
    assert.ok(
      second.logs.some((l) => String(l.msg).includes("Another worker holds the lease")),
      JSON.stringify(second.logs),
    );
    const done = await first.exited;
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("on SIGTERM stops taking work, keeps the checkpoint, releases the lease and exits well within 100 s", async () => {
    h = await WorkerHarness.start({ pageSize: 20, latencyMs: 50 });
    const library = h.library();
    library.generate({ files: 300, folders: 10, seed: 25, maxSize: 4096 });
    const worker = h.startSync(["--concurrency", "4"]);
    await h.untilCheckpointed();
    const signalled = Date.now();
    worker.child.kill("SIGTERM");
    const run = await worker.exited;
    const stopMs = Date.now() - signalled;
    assert.equal(run.code, 143, run.stderr);
    assert.ok(stopMs < 100_000, `took ${stopMs} ms`);
    const checkpoint = await h.item("checkpoints");
    assert.ok(checkpoint?.nextLink, "the round in progress is checkpointed");
    assert.equal((await h.item("lease"))?.owner, undefined, "the lease is released");
    assert.equal(summaryOf(run).status, "stopped");

    const resumed = await h.sync();
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(summaryOf(resumed).resumed, true);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });
});
