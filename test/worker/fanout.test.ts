// Fan-out: the real worker as producer (`sync` with DOWNLOAD_QUEUE_URL) and several real consumer
// processes (`consume`) on the SQS stand-in, under Graph throttling and a consumer killed mid-work:
// the round completes only after the queue drains, and the bucket equals the library.
import { strict as assert } from "node:assert";
import { SqsEmulator } from "../../devtools/sqs";
import { createFanOutQueues } from "../../devtools/sqs/fanout-queues";
import { WorkerHarness, mirrorMismatches, summaryOf } from "../../devtools/worker/harness";

describe("worker fan-out through SQS", function () {
  this.timeout(120_000);
  let h: WorkerHarness;
  let sqs: SqsEmulator;
  afterEach(async () => {
    await h?.close();
    await sqs?.close();
  });

  it("ends with the bucket equal to the library with three consumers, throttling and a kill", async () => {
    h = await WorkerHarness.start({ pageSize: 40, latencyMs: 5 });
    sqs = await SqsEmulator.start();
    const queues = await createFanOutQueues(sqs, "downloads");
    const library = h.library();
    library.generate({ files: 90, folders: 4, seed: 51, maxSize: 8192 });
    const env = h.env(queues.env);
    const consumer = () => h.spawn(["consume", "--graph-auth", "none", "--idle-exit", "3", "--visibility", "2"], env);

    const producer = h.startSync([], env);
    const consumers = [consumer(), consumer(), consumer()];
    // Throttle Graph while the consumers work, then kill one of them in the middle of its tasks.
    await h.until(async () => h.graph.stats.downloads >= 15, "the first downloads");
    h.graph.faults.throttle(15, { retryAfterSeconds: 1 });
    consumers[0]!.child.kill("SIGKILL");
    consumers.push(consumer());

    const produced = await producer.exited;
    assert.equal(produced.code, 0, produced.stderr);
    const summary = summaryOf(produced);
    // Graph may list an item on more than one page: each listing is a task, and the consumers skip repeats by eTag.
    assert.ok((summary.queued as number) >= 90, "every file went through the queue");
    assert.equal(summary.downloaded, 0, "the producer downloads nothing itself");
    assert.ok(
      produced.logs.some((l) => l.msg === "waiting for the download queue to drain"),
      "the round waited for the queue before completing",
    );
    const exits = await Promise.all(consumers.map((c) => c.exited));
    assert.equal(exits[0]!.signal, "SIGKILL");
    for (const exit of exits.slice(1)) assert.equal(exit.code, 0, exit.stderr);
    assert.ok(h.graph.stats.throttled >= 1);
    assert.deepEqual(sqs.depth("downloads"), { visible: 0, inFlight: 0 });
    assert.deepEqual(sqs.bodies("downloads-dlq"), []);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("sends a task that keeps failing to the dead-letter queue and reports it as quarantined", async () => {
    h = await WorkerHarness.start({ pageSize: 50 });
    sqs = await SqsEmulator.start();
    const queues = await createFanOutQueues(sqs, "poison", 2);
    const library = h.library();
    library.generate({ files: 5, folders: 1, seed: 52, maxSize: 1024 });
    const env = h.env(queues.env);
    const producer = h.startSync([], env);
    await h.until(async () => sqs.depth("poison").visible > 0, "the download tasks");
    // Every download URL is refused, even freshly resolved: each task fails twice and is dead-lettered.
    h.graph.faults.failDownloads(1000, 403);
    const consumer = h.spawn(
      ["consume", "--graph-auth", "none", "--idle-exit", "3", "--visibility", "1", "--concurrency", "1"],
      env,
    );
    const produced = await producer.exited;
    assert.equal(produced.code, 0, produced.stderr);
    assert.equal((await consumer.exited).code, 0);
    const dead = sqs.bodies("poison-dlq").map((b) => JSON.parse(b) as { itemId: string });
    assert.equal(dead.length, 5, "every task was dead-lettered");
    const metrics = produced.logs.find((l) => "_aws" in l)!;
    assert.equal(metrics.QuarantinedItems, dead.length);
    const objects = await h.bucketContents();
    for (const { itemId } of dead) assert.equal(objects.has(itemId), false, "a quarantined file is not in the bucket");
    assert.equal(objects.size, 0);
  });
});
