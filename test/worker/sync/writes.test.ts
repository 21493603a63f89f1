// DynamoDB document writes of a first full round: at most 1.05 per item (issue 12; it was 1.8, one
// write per item plus a path rewrite for every file listed before its folder), with every path right.
// Files listed before their folder get their path from the folder looked up in Graph, once per folder.
import { strict as assert } from "node:assert";
import { RoundWorld } from "../../../devtools/worker/round-world";

describe("worker round: document writes", () => {
  let world: RoundWorld;
  before(async () => {
    world = await RoundWorld.start({ pageSize: 50 });
  });
  after(async () => world.close());

  it("writes at most 1.05 document rows per item in a first full round, with every path right", async () => {
    world.library().generate({ files: 400, folders: 40, seed: 8, maxSize: 256 });
    const run = await world.run({ concurrency: 16 });
    assert.ifError(run.error);
    const { items, foldersResolved } = run.result!.counters;
    const perItem = world.documents.writes / items;
    assert.ok(perItem <= 1.05, `${world.documents.writes} writes for ${items} items = ${perItem.toFixed(3)} per item`);
    assert.ok(foldersResolved <= 41, `at most one lookup per folder (and the root): ${foldersResolved}`);
    assert.equal(run.result!.finish!.pathsUpdated, 0, "no path had to be rewritten");
    assert.deepEqual(world.mirrorMismatches(), []);
  });
});
