// Fan-out: the real worker as producer (`sync` with DOWNLOAD_QUEUE_URL) and several real consumer
// processes (`consume`) on the SQS stand-in, under Graph throttling and a consumer killed mid-work:
// the round completes only after the queue drains, and the bucket equals the library (consumers
// commit through the fenced document row like the round: no leftover upload, no stale version).
// Every AWS call, SQS's included, is authorised against the prod stack's task role (the stack with fan-out), on the
// queues, tables and bucket the stack declares; no call may be refused.
import { strict as assert } from "node:assert";
import { describeAuthorisations, loadDeployment, type StackDeployment } from "../../devtools/iam";
import { SITE_ID, WorkerHarness, mirrorMismatches, summaryOf } from "../../devtools/worker/harness";

describe("worker fan-out through SQS", function () {
  this.timeout(120_000);
  let deployment: StackDeployment;
  let h: WorkerHarness;
  before(async () => {
    deployment = await loadDeployment("prod");
  });
  afterEach(async () => {
    const refused = h?.stores.iam?.enforcer.denials() ?? [];
    await h?.close();
    assert.deepEqual(refused, [], describeAuthorisations(h.stores.iam!.enforcer));
  });

  it("ends with the bucket equal to the library with three consumers, throttling and a kill", async () => {
    h = await WorkerHarness.start({ pageSize: 40, latencyMs: 5 }, { deployment });
    const { sqs, queue, deadLetterQueue } = h.fanOut;
    const library = h.library();
    library.generate({ files: 90, folders: 4, seed: 51, maxSize: 8192 });
    const env = h.fanOutEnv();
    // Consumers run until they are stopped (no idle timer: how soon the producer offers work is the machine's luck).
    const consumer = () => h.spawn(["consume", "--graph-auth", "none", "--visibility", "2"], env);

    const producer = h.startSync([], env);
    const consumers = [consumer(), consumer(), consumer()];
    // Throttle Graph while the consumers work, then kill one of them in the middle of its tasks.
    await h.served("download", 15);
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
    // The queue has drained: stop the consumers as ECS scales the service in. A long poll ends at the signal.
    for (const c of consumers.slice(1)) c.child.kill("SIGTERM");
    const exits = await Promise.all(consumers.map((c) => c.exited));
    assert.equal(exits[0]!.signal, "SIGKILL");
    for (const exit of exits.slice(1)) assert.equal(exit.code, 143, exit.stderr);
    assert.ok(h.graph.stats.throttled >= 1);
    assert.deepEqual(sqs.depth(queue.name), { visible: 0, inFlight: 0 });
    assert.deepEqual(sqs.bodies(deadLetterQueue.name), []);
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });

  it("quarantines a task that keeps failing as it goes to the dead-letter queue: exit 65, status, metric", async () => {
    // Two deliveries instead of the stack's five, so that the test dead-letters sooner.
    h = await WorkerHarness.start({ pageSize: 50 }, { deployment, queueMaxReceiveCount: 2 });
    const { sqs, deadLetterQueue } = h.fanOut;
    const library = h.library();
    library.generate({ files: 5, folders: 1, seed: 52, maxSize: 1024 });
    const env = h.fanOutEnv();
    // Every download URL is refused, even freshly resolved (the producer downloads nothing itself):
    // each task fails twice and is dead-lettered, its last delivery recording the item in quarantine.
    h.graph.faults.failDownloads(1000, 403);
    const producer = h.startSync([], env);
    const consumer = h.spawn(["consume", "--graph-auth", "none", "--visibility", "1", "--concurrency", "1"], env);
    const produced = await producer.exited;
    assert.equal(produced.code, 65, produced.stderr);
    assert.equal(summaryOf(produced).status, "completedWithQuarantine");
    consumer.child.kill("SIGTERM");
    assert.equal((await consumer.exited).code, 143);
    const dead = sqs.bodies(deadLetterQueue.name).map((b) => JSON.parse(b) as { itemId: string });
    assert.equal(dead.length, 5, "every task was dead-lettered");
    const metrics = produced.logs.find((l) => "_aws" in l)!;
    assert.equal(metrics.QuarantinedItems, dead.length);
    const status = await h.spawn(["status", "--site", SITE_ID, "--graph-auth", "none"], env).exited;
    const listed = (JSON.parse(status.stdout) as { quarantine: Array<{ itemId: string; error: string }> }).quarantine;
    assert.deepEqual(listed.map((e) => e.itemId).sort(), dead.map((d) => d.itemId).sort());
    for (const entry of listed) assert.match(entry.error, /^download task: .*403/);
    const objects = await h.bucketObjects();
    assert.equal(objects.size, 0, "a quarantined file is not in the bucket");
  });
});
