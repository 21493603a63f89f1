// Finding 4 of issue 12: a file moved into a folder that the round's listing does not know (created
// after the listing was taken) keeps its object: the unknown folder is looked up with
// GET /items/{id} instead of the file being deleted as an orphan.
import { strict as assert } from "node:assert";
import { RoundWorld } from "../../../devtools/worker/round-world";

describe("worker round: files in folders the listing does not know", () => {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 5 });
  });
  afterEach(async () => world.close());

  it("keeps a file moved during the round into a folder created after the listing", async () => {
    const library = world.library();
    library.generate({ files: 30, folders: 3, seed: 4, maxSize: 1024 });
    const [moved] = library.expectedFiles().keys();
    let done = false;
    const run = await world.run({
      concurrency: 2,
      onLogLine: (line) => {
        // After the first page is durable the listing is fixed: create a new folder chain and move
        // a file into it; its download (GET /items) then names a parent the listing never had.
        if (!done && line.msg === "page durable") {
          done = true;
          const outer = library.addFolder(null, "Created later");
          const inner = library.addFolder(outer, "Inner");
          library.move(moved, inner);
          library.updateFile(moved, Buffer.from("new bytes, so that the file is downloaded again"));
        }
      },
    });
    assert.ifError(run.error);
    assert.equal(run.result!.finish!.orphans, 0, "nothing was deleted as an orphan");
    assert.ok(run.result!.counters.foldersResolved >= 2, "the unknown folders were looked up");
    const row = world.documents.rows.get(`${library.siteId}\u0000${moved}`);
    assert.ok(row, "the moved file's row is kept");
    assert.ok(world.content.objects.has(row.s3Key!), "and its object");
    assert.equal(row.path, `Created later/Inner/${library.get(moved)!.name}`);
    // The next round lists the new folders and the mirror is exact.
    assert.ifError((await world.run()).error);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("removes the rows of a deleted folder's files that Graph never listed as deleted", async () => {
    const library = world.library();
    const doomed = library.addFolder(null, "Doomed");
    const child = library.addFile(doomed, "child.txt", Buffer.from("c"));
    library.addFile(null, "kept.txt", Buffer.from("k"));
    assert.ifError((await world.run()).error);
    // Graph lists the folder's deletion; pretend it never listed the child's (it may not).
    library.delete(doomed);
    const key = `${library.siteId}\u0000${child}`;
    const run = await world.run();
    assert.ifError(run.error);
    assert.equal(world.documents.rows.has(key), false);
    assert.deepEqual(world.mirrorMismatches(), []);
  });
});
