// The worker, run as a child process against dynalite, s3rver and the Graph emulator: a full round,
// then an incremental round that touches only what changed, applies deletes and fixes paths under
// a renamed folder that Graph does not list; `status` and `reset` as commands. (Round behaviour in
// detail runs in-process: test/worker/sync/*.test.ts.)
import { strict as assert } from "node:assert";
import { SITE_ID, WorkerHarness, mirrorMismatches, summaryOf } from "../../devtools/worker/harness";

describe("worker sync rounds", function () {
  this.timeout(60_000);
  let h: WorkerHarness;
  beforeEach(async () => {
    h = await WorkerHarness.start({ pageSize: 50 });
  });
  afterEach(async () => h.close());

  it("mirrors a library in a full round, then applies only the changes in an incremental round", async () => {
    const library = h.library();
    library.generate({ files: 59, folders: 6, seed: 11, maxSize: 48 * 1024 });
    library.addFile(null, "empty.txt", Buffer.alloc(0)); // an empty file round-trips through the streaming upload
    const full = await h.sync();
    assert.equal(full.code, 0, full.stderr);
    const first = summaryOf(full);
    assert.equal(first.mode, "full");
    assert.equal(first.downloaded, 60);
    assert.deepEqual(await mirrorMismatches(h, library), []);
    const state = await h.item("state");
    assert.match(String(state?.deltaLink), /token=/);
    assert.equal((await h.item("checkpoints"))?.nextLink, undefined, "a completed round leaves no checkpoint");
    const before = await h.documents();

    // Change the library between rounds.
    const files = [...library.expectedFiles().keys()];
    const folders = [...before.values()].filter((d) => d.kind === "folder").map((d) => d.itemId as string);
    library.updateFile(files[0], Buffer.from("new bytes for the first file"));
    library.updateFile(files[1], { size: 70_000, seed: 99 });
    const added = library.addFile(folders[0], "Added later.txt", Buffer.from("added"));
    library.delete(files[2]);
    library.rename(folders[1], "Renamed folder");
    library.rename(files[3], "Renamed file.bin");
    h.graph.resetStats();

    const incremental = await h.sync();
    assert.equal(incremental.code, 0, incremental.stderr);
    const second = summaryOf(incremental);
    assert.equal(second.mode, "incremental");
    assert.equal(h.graph.stats.downloads, 3, "only the two updated files and the added one are downloaded");
    assert.equal(second.downloaded, 3);
    assert.equal(second.deleted, 1);
    assert.deepEqual(await mirrorMismatches(h, library), []);

    const after = await h.documents();
    assert.ok(after.has(added));
    const touched = new Set([files[0], files[1], files[2], files[3], added, folders[1]]);
    const renamedFolderPath = String(after.get(folders[1])?.path);
    for (const [id, doc] of before) {
      if (touched.has(id) || !after.has(id)) continue;
      const movedByRename = String(after.get(id)!.path).startsWith(`${renamedFolderPath}/`);
      if (!movedByRename) assert.equal(after.get(id)!.syncedAt, doc.syncedAt, `untouched item ${id} was rewritten`);
    }
  });

  it("status shows the completed round and reset makes the next round a full resync", async () => {
    const library = h.library();
    library.generate({ files: 30, folders: 3, seed: 5, maxSize: 4096 });
    assert.equal((await h.sync()).code, 0);

    const status = await h.spawn(["status", "--site", SITE_ID, "--graph-auth", "none"]).exited;
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as {
      roundInProgress: boolean;
      documents: { files: number };
      state: { mode: string };
    };
    assert.equal(shown.roundInProgress, false);
    assert.equal(shown.documents.files, 30);
    assert.equal(shown.state.mode, "full");

    const reset = await h.spawn(["reset", "--graph-auth", "none"]).exited;
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal((await h.item("state"))?.deltaLink, undefined);
    const again = await h.sync();
    assert.equal(summaryOf(again).mode, "full");
    assert.equal(summaryOf(again).downloaded, 0, "a resync re-lists but does not re-download unchanged files");
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });
});
