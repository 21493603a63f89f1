// The generated state machine executed locally (aws-local-stepfunctions) against a RunTask stand-in
// that runs the REAL worker process against the emulators. Waits and retry pauses are instant; every
// step waits for the worker's exit, never for the clock.
import { strict as assert } from "node:assert";
import { LeaseStore } from "../../../worker/src/stores/lease-store";
import { FAILURE } from "../../../components/sync-state-machine";
import { chunkedSyncWorld } from "../../../devtools/stepfunctions/chunked-sync-world";
import { SITE_ID, WorkerHarness, mirrorMismatches } from "../../../devtools/worker/harness";

describe("the chunked sync state machine, executed locally with the real worker", function () {
  this.timeout(120_000);
  let h: WorkerHarness;
  afterEach(async () => h?.close());

  it("runs a library that needs several chunks to completion, one durable page per chunk", async () => {
    h = await WorkerHarness.start({ pageSize: 30 });
    const library = h.library();
    library.generate({ files: 70, folders: 4, seed: 31, maxSize: 4096 });
    const world = chunkedSyncWorld(h);

    const run = await world.machine.start().done;

    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run.error));
    assert.ok(world.exitCodes.length >= 3, `expected several chunks, got exits ${world.exitCodes.join(",")}`);
    assert.deepEqual(world.exitCodes, [...world.exitCodes.slice(0, -1).map(() => 3), 0]);
    assert.equal(run.states.filter((s) => s === "WaitBetweenChunks").length, world.exitCodes.length - 1);
    assert.equal(run.states.at(-1), "RoundCompleted");
    const command = world.ecs.calls[0]!.request.Overrides!.ContainerOverrides![0]!.Command;
    assert.deepEqual(command, ["sync", "--site", SITE_ID, "--max-duration", "0"]);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("retries a failing chunk with backoff, and RunTask API errors through the Task's Retry", async () => {
    h = await WorkerHarness.start({ pageSize: 50 });
    const library = h.library();
    library.generate({ files: 40, folders: 2, seed: 32, maxSize: 2048 });
    const world = chunkedSyncWorld(h, { definition: { chunkSeconds: 3000 } });
    world.ecs.failNext(1, "api");
    world.ecs.failNext(1, "capacity");
    // The worker's first delta request is refused (400 is not retried by the worker): that chunk exits 1.
    h.graph.faults.failNext(1, 400);

    const run = await world.machine.start().done;

    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run.error));
    assert.equal(run.retries.RunChunk, 2, "the API error and the capacity failure were retried by Retry");
    assert.deepEqual(world.exitCodes, [1, 0]);
    assert.deepEqual(
      run.states.filter((s) => ["ChunkFailed", "BackOff", "WaitAfterFailure"].includes(s)),
      ["ChunkFailed", "BackOff", "WaitAfterFailure"],
    );
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("waits while another worker holds the lease, then runs", async () => {
    h = await WorkerHarness.start({ pageSize: 50 });
    const library = h.library();
    library.generate({ files: 20, folders: 2, seed: 33, maxSize: 2048 });
    assert.equal((await h.sync()).code, 0, "the first round creates the tables");
    library.addFile(null, "After the lease.txt", Buffer.from("new"));
    const leases = new LeaseStore(h.doc, h.tables.lease);
    const other = await leases.acquire(SITE_ID, "another-task/1/abcd", 3_600_000);
    const world = chunkedSyncWorld(h, { definition: { chunkSeconds: 3000 } });
    // The other worker finishes while the state machine waits.
    world.ecs.afterTask = async (exitCode) => {
      if (exitCode === 75) await leases.release(other);
    };

    const run = await world.machine.start().done;

    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run.error));
    assert.deepEqual(world.exitCodes, [75, 0]);
    assert.deepEqual(
      run.states.filter((s) => s === "LeaseHeld" || s === "WaitForLease"),
      ["LeaseHeld", "WaitForLease"],
    );
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("fails with the reason after the lease stays held through every wait", async () => {
    h = await WorkerHarness.start({ pageSize: 50 });
    h.library().generate({ files: 5, folders: 1, seed: 34, maxSize: 512 });
    assert.equal((await h.sync()).code, 0);
    await new LeaseStore(h.doc, h.tables.lease).acquire(SITE_ID, "stuck/1/abcd", 3_600_000);
    const world = chunkedSyncWorld(h, { definition: { chunkSeconds: 3000, maxLeaseWaits: 1 } });

    const run = await world.machine.start().done;

    assert.equal(run.status, "FAILED");
    assert.equal(run.error?.error, FAILURE.lease);
    assert.match(run.error!.cause, /held the lease through 1 waits/);
    assert.deepEqual(world.exitCodes, [75, 75]);
  });

  it("fails at once, naming the stopped task, when the worker refuses its configuration (exit 78)", async () => {
    h = await WorkerHarness.start();
    h.library().generate({ files: 3, folders: 1, seed: 35, maxSize: 512 });
    const world = chunkedSyncWorld(h, { env: { CONTENT_BUCKET: undefined } });

    const run = await world.machine.start().done;

    assert.equal(run.status, "FAILED");
    assert.equal(run.error?.error, FAILURE.configuration);
    assert.match(run.error!.cause, /"ExitCode":78/);
    assert.deepEqual(world.exitCodes, [78], "a configuration error is not retried");
  });

  it("lets only one execution per site run: a second one started meanwhile ends at once", async () => {
    h = await WorkerHarness.start({ pageSize: 50 });
    const library = h.library();
    library.generate({ files: 10, folders: 1, seed: 36, maxSize: 512 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taskStarted!: () => void;
    const started = new Promise<void>((resolve) => (taskStarted = resolve));
    const world = chunkedSyncWorld(h, {
      definition: { chunkSeconds: 3000 },
      beforeTask: async () => {
        taskStarted();
        await held;
      },
    });

    const first = world.machine.start("scheduled-1");
    await started;
    const second = await world.machine.start("scheduled-2").done;
    release();
    const firstRun = await first.done;

    assert.equal(second.status, "SUCCEEDED");
    assert.equal(second.states.at(-1), "AlreadyRunning");
    assert.equal(firstRun.status, "SUCCEEDED", JSON.stringify(firstRun.error));
    assert.equal(firstRun.states.at(-1), "RoundCompleted");
    assert.equal(world.ecs.calls.length, 1, "only the first execution ran a task");
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });
});
