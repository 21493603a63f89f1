// Finding 1 of issue 12: on SharePoint (no cTag in delta items, quickXorHash only) a rename, a move,
// a 410 resync or a reset of an unchanged library downloads nothing; downloads are checked against
// quickXorHash and a mismatch is logged with id and path, not silently stored.
import { strict as assert } from "node:assert";
import { RoundWorld } from "../../../devtools/worker/round-world";

describe("worker round: unchanged files on SharePoint (no cTag, quickXorHash only)", () => {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 20 });
  });
  afterEach(async () => world.close());

  async function fullRound() {
    const library = world.library();
    library.generate({ files: 60, folders: 6, seed: 3, maxSize: 4096 });
    const run = await world.run();
    assert.ifError(run.error);
    assert.equal(run.result!.counters.downloaded, 60);
    world.graph.resetStats();
    return library;
  }

  it("serves delta items without cTag and with quickXorHash only, as SharePoint does", async () => {
    const library = world.library();
    library.addFile(null, "a.txt", Buffer.from("a"));
    const page = (await (await fetch(`${world.graph.baseUrl}/sites/${library.siteId}/drive/root/delta`)).json()) as {
      value: Array<Record<string, unknown> & { file?: { hashes: Record<string, string> } }>;
    };
    const file = page.value.find((i) => i.file)!;
    assert.equal(file.cTag, undefined);
    assert.deepEqual(Object.keys(file.file!.hashes), ["quickXorHash"]);
  });

  it("downloads nothing after 5 renames and 5 moves of unchanged files", async () => {
    const library = await fullRound();
    const files = [...library.expectedFiles().keys()];
    const target = library.addFolder(null, "Moved here");
    for (const id of files.slice(0, 5)) library.rename(id, `Renamed ${id}.bin`);
    for (const id of files.slice(5, 10)) library.move(id, target);
    const run = await world.run();
    assert.ifError(run.error);
    assert.equal(world.graph.stats.downloads, 0);
    assert.equal(run.result!.counters.metadataOnly >= 10, true);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("downloads nothing when a reset, or a 410, makes the next round a full resync", async () => {
    const library = await fullRound();
    // reset: forget the delta link
    world.state.items.get(library.siteId)!.deltaLink = undefined;
    const afterReset = await world.run();
    assert.ifError(afterReset.error);
    assert.equal(afterReset.result!.mode, "full");
    assert.equal(world.graph.stats.downloads, 0, "a reset re-lists but downloads nothing");

    world.graph.faults.goneOnDeltaLink("resyncChangesApplyDifferences");
    const afterGone = await world.run();
    assert.ifError(afterGone.error);
    assert.equal(afterGone.result!.resyncs, 1);
    assert.equal(world.graph.stats.downloads, 0, "a 410 resync re-lists but downloads nothing");
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("downloads a file whose bytes changed though its size did not", async () => {
    const library = await fullRound();
    const [id] = library.expectedFiles().keys();
    const size = library.expectedFiles().get(id)!.size;
    library.updateFile(id, Buffer.alloc(size, 7));
    const run = await world.run();
    assert.equal(run.result!.counters.downloaded, 1);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("logs a download whose bytes do not match quickXorHash with the item's id and path, and stores it", async () => {
    const library = world.library();
    const folder = library.addFolder(null, "Reports");
    const id = library.addFile(folder, "Budget.xlsx", Buffer.alloc(5000, 1));
    world.graph.faults.alterDownloadsOf(id);
    const run = await world.run();
    assert.ifError(run.error);
    assert.equal(run.result!.counters.hashMismatches, 1);
    const line = run.logs.find((l) => String(l.msg).includes("do not match its quickXorHash"));
    assert.ok(line, "the mismatch is logged");
    assert.match(String(line.msg), new RegExp(`item ${id} \\(Reports/Budget.xlsx\\)`));
    const row = world.documents.rows.get(`${library.siteId}\u0000${id}`)!;
    assert.equal(row.hashMismatch, true);
    assert.ok(world.content.objects.has(row.s3Key!), "stored as downloaded");
  });
});
