// Fan-out on the fenced write protocol, in-process: the round hands downloads out as tasks carrying
// its fence and the listed quickXorHash; a consumer commits the way the round does (own key, fenced
// row naming the content it replaces, old key deleted after). Duplicate tasks, a stale task of an
// older round, a redelivery after a consumer died, and a deletion racing a download each end with the
// mirror equal to the library. The SQS path with real processes is test/worker/fanout.test.ts.
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { digestOf } from "../../../devtools/graph/content";
import { MemoryQueue } from "../../../devtools/worker/memory-queue";
import { ROUND_SITE, RoundWorld } from "../../../devtools/worker/round-world";
import { itemPrefix } from "../../../worker/src/content/content-store";
import type { DownloadTask } from "../../../worker/src/fanout/download-queue";

describe("worker round: fan-out consumers commit like the round", function () {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 10 });
  });
  afterEach(async () => world.close());

  const keysOf = (itemId: string) =>
    [...world.content.objects.keys()].filter((k) => k.startsWith(itemPrefix(ROUND_SITE, itemId)));

  it("queues every download with the round's fence and hash; the consumers make the mirror; a repeat is skipped", async () => {
    const library = world.library();
    library.generate({ files: 30, folders: 3, seed: 61, maxSize: 2048 });
    const queue = new MemoryQueue(async (task) => void (await world.consume(task)));
    const run = await world.run({ downloads: queue });
    assert.ifError(run.error);
    assert.equal(run.result!.status, "completed");
    assert.equal(run.result!.counters.downloaded, 0, "the round downloads nothing itself");
    // Graph may list an item on more than one page: each listing is a task.
    assert.ok(run.result!.counters.queued >= 30, `every file went through the queue: ${run.result!.counters.queued}`);
    for (const task of queue.sent) {
      assert.equal(task.fence, run.fence);
      assert.equal(task.quickXorHash, digestOf(library.get(task.itemId)!.content!, "quickXorHash"));
    }
    assert.deepEqual(world.mirrorMismatches(), []);

    const downloads = world.graph.stats.downloads;
    const again = queue.sent[0]!;
    assert.equal(await world.consume(again, { receiveCount: 2, last: false }), "skipped");
    assert.equal(world.graph.stats.downloads, downloads, "nothing downloaded for a task whose content is stored");
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("lets only the first of two consumers of the same item commit; the other removes its upload", async () => {
    const library = world.library();
    library.generate({ files: 1, folders: 0, seed: 62, maxSize: 1024 });
    const queue = new MemoryQueue(async () => undefined);
    assert.ifError((await world.run({ downloads: queue })).error);
    const task = queue.sent[0]!;
    // The first consumer is held after its upload, before its commit; a duplicate task commits meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    let holds = 1;
    world.content.beforeStored = async () => {
      if (holds-- <= 0) return;
      reached();
      await held;
    };
    const first = world.consume(task);
    await atCommit;
    assert.equal(await world.consume({ ...task }), "downloaded");
    release();
    assert.equal(await first, "skipped", "the row now holds what the task asked for");
    world.content.beforeStored = undefined;
    assert.equal(keysOf(task.itemId).length, 1, "one object: the loser's upload is gone");
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("drops a task of an older round once a newer lease holder wrote the row, removing its upload", async () => {
    const library = world.library();
    library.generate({ files: 1, folders: 0, seed: 63, maxSize: 1024 });
    const stale = new MemoryQueue(async () => undefined);
    assert.ifError((await world.run({ downloads: stale })).error);
    const old: DownloadTask = stale.sent[0]!;
    // A newer round (higher fence) downloads the changed file itself.
    library.updateFile(old.itemId, { size: 512, seed: 3 });
    const newer = await world.run();
    assert.ifError(newer.error);
    assert.ok(newer.fence > old.fence);
    const row = world.documents.rows.get(`${ROUND_SITE}\u0000${old.itemId}`)!;
    const logs: Array<Record<string, unknown>> = [];
    // The row already holds other content than the old task listed: it downloads, and its commit is refused.
    assert.equal(await world.consume({ ...old, eTag: "stale", quickXorHash: "stale" }, undefined, logs), "stale");
    assert.ok(logs.some((l) => String(l.msg).includes("is from an older round")));
    assert.equal(world.documents.rows.get(`${ROUND_SITE}\u0000${old.itemId}`)!.s3Key, row.s3Key);
    assert.deepEqual(keysOf(old.itemId), [row.s3Key]);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("a redelivery removes what an earlier delivery left behind it, never the content the row names", async () => {
    const library = world.library();
    library.generate({ files: 1, folders: 0, seed: 64, maxSize: 1024 });
    const queue = new MemoryQueue(async () => undefined);
    assert.ifError((await world.run({ downloads: queue })).error);
    const task = queue.sent[0]!;
    // The first delivery died after its upload, before its commit: an object no row names.
    await world.content.put(
      `${itemPrefix(ROUND_SITE, task.itemId)}${task.fence}-0badc0de`,
      Readable.from([Buffer.from("x")]),
    );
    assert.equal(await world.consume(task, { receiveCount: 2, last: false }), "downloaded");
    assert.deepEqual(world.mirrorMismatches(), []);
    // A redelivery that finds the content committed keeps it.
    assert.equal(await world.consume(task, { receiveCount: 3, last: false }), "skipped");
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("applies a page that deletes only once the tasks sent before it are committed", async () => {
    const library = world.library();
    library.generate({ files: 30, folders: 1, seed: 65, maxSize: 1024 });
    const fast = new MemoryQueue(async (task) => void (await world.consume(task)));
    assert.ifError((await world.run({ downloads: fast })).error);
    // Changes first (tasks on the first pages), then a deletion listed after them.
    const files = [...library.expectedFiles().keys()];
    for (const id of files.slice(0, 15)) library.updateFile(id, { size: 700, seed: 5 });
    const gone = files.at(-1)!;
    library.delete(gone);
    const slow = new MemoryQueue(async (task) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await world.consume(task);
    });
    const seen: Array<{ sent: number; inFlight: number }> = [];
    const remove = world.documents.delete.bind(world.documents);
    world.documents.delete = async (siteId, itemId, fence) => {
      if (itemId === gone) seen.push({ sent: slow.sent.length, inFlight: slow.inFlight });
      return remove(siteId, itemId, fence);
    };
    const run = await world.run({ downloads: slow });
    assert.ifError(run.error);
    assert.equal(seen.length, 1, "the deletion was applied");
    assert.ok(seen[0]!.sent > 0, `tasks were sent before the deleting page: ${seen[0]!.sent}`);
    assert.equal(seen[0]!.inFlight, 0, "every one of them was done when the row was deleted");
    assert.deepEqual(keysOf(gone), []);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("--max-duration: stops after a durable page with status deadline, and the next runs complete the round", async () => {
    const library = world.library();
    library.generate({ files: 35, folders: 2, seed: 66, maxSize: 512 });
    const chunk = await world.run({ deadline: AbortSignal.abort() });
    assert.ifError(chunk.error);
    assert.equal(chunk.result!.status, "deadline");
    assert.equal(chunk.result!.counters.pages, 1, "one durable page per chunk");
    assert.equal(world.checkpoints.items.get(ROUND_SITE)!.pages, 1, "the checkpoint holds it");
    assert.equal(world.leases.items.get(ROUND_SITE)!.owner, undefined, "the lease is released");
    let chunks = 1;
    let last = chunk;
    while (last.result?.status === "deadline" && chunks < 20) {
      last = await world.run({ deadline: AbortSignal.abort() });
      chunks++;
    }
    assert.equal(last.result?.status, "completed", String(last.error));
    assert.ok(chunks >= 4, `several chunks: ${chunks}`);
    assert.deepEqual(world.mirrorMismatches(), []);
  });
});
