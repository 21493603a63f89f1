// Paths from the folder chain: Graph lists no parent first, and a folder rename or move lists only
// the folder. A deleted folder's files go, moved and renamed folders' files get their new paths.
import { strict as assert } from "node:assert";
import { RoundWorld } from "../../../devtools/worker/round-world";

describe("worker round: paths", () => {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 3 });
  });
  afterEach(async () => world.close());

  it("removes a deleted folder's files and repairs paths after a folder move and rename", async () => {
    const library = world.library();
    const a = library.addFolder(null, "A");
    const b = library.addFolder(a, "B");
    const c = library.addFolder(null, "C");
    library.addFile(b, "deep.txt", Buffer.from("deep"));
    library.addFile(a, "empty.txt", Buffer.alloc(0));
    const gone = library.addFolder(c, "Doomed");
    library.addFile(gone, "one.txt", Buffer.from("1"));
    library.addFile(gone, "two.txt", Buffer.from("2"));
    assert.ifError((await world.run()).error);
    assert.deepEqual(world.mirrorMismatches(), []);

    library.move(b, c);
    library.rename(c, "C renamed");
    library.delete(gone);
    const run = await world.run();
    assert.ifError(run.error);
    assert.deepEqual(world.mirrorMismatches(), []);
    const paths = [...world.documents.rows.values()].filter((d) => d.kind === "file").map((d) => d.path);
    assert.deepEqual(paths.sort(), ["A/empty.txt", "C renamed/B/deep.txt"]);
    assert.ok(
      run.result!.finish!.pathsUpdated >= 1,
      "the moved folder's file got its new path in the end-of-round pass",
    );
  });

  it("keeps a renamed folder's new name when a lookup of its old row answers after the listing set it", async () => {
    // Every change on one page, listed in shuffled order: a sub-folder (listed as the ancestor of a
    // changed file) may look its parent up before the parent's rename is applied.
    for (const seed of [1, 2, 3, 4]) {
      const big = await RoundWorld.start({ pageSize: 500, seed });
      try {
        const library = big.library();
        library.generate({ files: 80, folders: 8, seed: 11, maxSize: 256 });
        assert.ifError((await big.run({ concurrency: 8 })).error);
        const folders = [...big.documents.rows.values()].filter((d) => d.kind === "folder");
        const parent = folders.find((f) => folders.some((g) => g.parentId === f.itemId))!;
        const children = folders.filter((g) => g.parentId === parent.itemId).map((g) => g.itemId);
        library.rename(parent.itemId, "Renamed folder");
        for (const row of big.documents.rows.values())
          if (row.kind === "file" && children.includes(row.parentId!))
            library.updateFile(row.itemId, Buffer.from(row.itemId));
        const run = await big.run({ concurrency: 8 });
        assert.ifError(run.error);
        assert.deepEqual(big.mirrorMismatches(), [], `emulator seed ${seed}`);
      } finally {
        await big.close();
      }
    }
  });
});
