// Finding 3 of issue 12: a file that cannot be downloaded (always 403, or always cut at 1 MiB) no
// longer stops the site for ever: after a bounded number of attempts it is quarantined with id,
// path, error, attempts and first/last seen, the round completes, later rounds retry it, and it
// leaves quarantine when it succeeds. Every item error names the item's id and path.
import { strict as assert } from "node:assert";
import { RoundWorld } from "../../../devtools/worker/round-world";
import { newContentKey } from "../../../worker/src/content/content-store";

describe("worker round: quarantine instead of a stuck site", () => {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 10 });
  });
  afterEach(async () => world.close());

  it("quarantines a file whose download always answers 403 and completes the round with every other file", async () => {
    const library = world.library();
    library.generate({ files: 16, folders: 2, seed: 9, maxSize: 2048 });
    const folder = library.addFolder(null, "Locked");
    const bad = library.addFile(folder, "Secret.docx", Buffer.from("never readable"));
    world.graph.faults.failDownloadsOf(bad, 403);

    const run = await world.run({ itemAttempts: 3 });
    assert.ifError(run.error);
    assert.equal(run.result!.status, "completed");
    assert.equal(run.result!.quarantined, 1);
    assert.equal(run.result!.counters.downloaded, 16, "the 16 other files are synced");
    const [entry] = await world.quarantine.list(library.siteId);
    assert.equal(entry.itemId, bad);
    assert.equal(entry.path, "Locked/Secret.docx");
    assert.equal(entry.attempts, 3);
    assert.match(entry.error, new RegExp(`^item ${bad} \\(Locked/Secret.docx\\): Graph 403`));
    assert.doesNotMatch(entry.error, /invalid URL/);
    assert.equal(entry.firstSeen, entry.lastSeen);
    const logged = run.logs.find((l) => String(l.msg).startsWith("quarantined after 3 failed attempts"));
    assert.ok(logged, "the quarantine is logged");
    assert.deepEqual((logged.item as { id: string; path: string }).path, "Locked/Secret.docx");

    // Later rounds retry it (the delta feed will not list it again) and count the attempts...
    const again = await world.run({ itemAttempts: 2 });
    assert.equal(again.result!.quarantined, 1);
    const [retried] = await world.quarantine.list(library.siteId);
    assert.equal(retried.attempts, 5);
    assert.equal(retried.firstSeen, entry.firstSeen);

    // A run that stopped during a retry, between its upload and the row that would name it, left an object behind.
    const leftover = newContentKey(library.siteId, bad, 1);
    world.content.objects.set(leftover, Buffer.from("an interrupted retry's upload"));

    // ...and release it once it succeeds, removing what the interrupted retry left.
    world.graph.faults.clear();
    const healed = await world.run();
    assert.equal(healed.result!.quarantined, 0);
    assert.equal(healed.result!.counters.released, 1);
    assert.equal(healed.result!.counters.leftoversRemoved, 1);
    assert.ok(!world.content.objects.has(leftover), "the interrupted retry's upload is removed");
    assert.deepEqual(await world.quarantine.list(library.siteId), []);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("quarantines a file whose download is always cut at 1 MiB, naming id and path", async () => {
    const library = world.library();
    library.generate({ files: 5, seed: 2, maxSize: 1024 });
    const big = library.addFile(null, "Video.mp4", { size: 3 * 1024 * 1024, seed: 5 });
    world.graph.faults.truncateDownloadsOf(big, 1024 * 1024);
    const run = await world.run({ itemAttempts: 2 });
    assert.ifError(run.error);
    assert.equal(run.result!.quarantined, 1);
    const [entry] = await world.quarantine.list(library.siteId);
    assert.match(entry.error, new RegExp(`^item ${big} \\(Video.mp4\\): the download stream failed`));
    assert.equal([...world.content.objects.keys()].filter((k) => k.includes(big)).length, 0, "no partial object");
  });

  it("releases a quarantined file that was deleted meanwhile", async () => {
    const library = world.library();
    const bad = library.addFile(null, "Gone.txt", Buffer.from("x"));
    world.graph.faults.failDownloadsOf(bad, 500);
    assert.equal((await world.run({ itemAttempts: 1 })).result!.quarantined, 1);
    library.delete(bad);
    const run = await world.run();
    assert.equal(run.result!.quarantined, 0);
    assert.deepEqual(await world.quarantine.list(library.siteId), []);
  });
});
