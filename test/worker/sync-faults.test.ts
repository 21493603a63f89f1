// Faults where the process matters, with the worker as a child process: 410 on the delta link, two
// workers for one site, SIGTERM during a round, a file quarantined (exit code and `status`). The
// other round faults run in-process: test/worker/sync/*.test.ts.
import { strict as assert } from "node:assert";
import { SITE_ID, WorkerHarness, mirrorMismatches, summaryOf } from "../../devtools/worker/harness";

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
    h = await WorkerHarness.start({ pageSize: 10, latencyMs: 20 });
    const library = h.library();
    library.generate({ files: 120, folders: 6, seed: 25, maxSize: 4096 });
    const worker = h.startSync(["--concurrency", "4"]);
    await worker.waitForLog((l) => l.msg === "page durable");
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

  it("quarantines a file whose download is always cut short: exit 65, the summary says so, status lists it", async () => {
    h = await WorkerHarness.start({ pageSize: 20 });
    const library = h.library();
    library.generate({ files: 12, folders: 2, seed: 26, maxSize: 4096 });
    const bad = library.addFile(null, "Cut.bin", { size: 6 * 1024 * 1024, seed: 3 });
    h.graph.faults.truncateDownloadsOf(bad, 1024 * 1024);
    const run = await h.sync();
    assert.equal(run.code, 65, run.stderr);
    const summary = summaryOf(run);
    assert.equal(summary.status, "completedWithQuarantine");
    assert.equal(summary.inQuarantine, 1);
    assert.equal(summary.downloaded, 12);
    const line = run.logs.find((l) => String(l.msg).startsWith("quarantined after"));
    assert.match(String(line?.msg), new RegExp(`item ${bad} \\(Cut.bin\\): the download stream failed`));

    const status = await h.spawn(["status", "--site", SITE_ID, "--graph-auth", "none"]).exited;
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as {
      quarantine: Array<{ itemId: string; path: string; attempts: number }>;
    };
    assert.deepEqual(
      shown.quarantine.map((q) => [q.itemId, q.path, q.attempts]),
      [[bad, "Cut.bin", 3]],
    );
    h.graph.faults.clear();
    const healed = await h.sync();
    assert.equal(healed.code, 0, healed.stderr);
    assert.equal(summaryOf(healed).released, 1);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });
});
