// Finding 6 of issue 12: the end-of-round pass streams the documents page by page, checks the stop
// signal (SIGTERM, a lost lease) between pages, and records how far it got, so a stopped pass is
// continued by the next run instead of starting over; an incremental round without folder changes
// does not read the documents at all. (Memory at a million rows: bench/worker-sweep.ts.)
import { strict as assert } from "node:assert";
import { ROUND_SITE, RoundWorld } from "../../../devtools/worker/round-world";

describe("worker round: the end-of-round pass", () => {
  let world: RoundWorld;
  beforeEach(async () => {
    world = await RoundWorld.start({ pageSize: 50 });
  });
  afterEach(async () => world.close());

  it("stops between pages on a stop signal, leaves a resumable checkpoint, and the next run finishes the sweep", async () => {
    const library = world.library();
    library.generate({ files: 60, folders: 4, seed: 21, maxSize: 512 });
    assert.ifError((await world.run()).error);
    const files = [...library.expectedFiles().keys()];
    // Deleted in the library, and the deletions are never listed: only a full resync's sweep finds them.
    for (const id of files.slice(0, 6)) library.delete(id);
    world.state.items.get(ROUND_SITE)!.deltaLink = undefined;

    const stop = new AbortController();
    const pageCalls: Array<string | undefined> = [];
    world.documents.onPage = ({ after }) => {
      pageCalls.push(after);
      if (pageCalls.length === 3) stop.abort(new Error("SIGTERM"));
    };
    const first = await world.run({ stop: stop.signal, finishPageRows: 10 });
    assert.ifError(first.error);
    assert.equal(first.result!.status, "stopped");
    assert.equal(pageCalls.length, 3, "no page was read after the stop");
    const checkpoint = await world.checkpoints.read(ROUND_SITE);
    assert.equal(checkpoint?.phase, "finishing");
    // The page being handled when the stop came is finished and recorded; the next is never read.
    assert.ok(
      checkpoint?.sweepFrom !== undefined && checkpoint.sweepFrom > pageCalls[2]!,
      "the checkpoint names the last row handled",
    );

    pageCalls.length = 0;
    world.documents.onPage = ({ after }) => pageCalls.push(after);
    world.graph.resetStats();
    const second = await world.run({ finishPageRows: 10 });
    assert.ifError(second.error);
    assert.equal(second.result!.status, "completed");
    assert.equal(pageCalls[0], checkpoint?.sweepFrom, "the pass continues where it stopped");
    assert.equal(world.graph.stats.deltaPages, 0, "the listing is not redone");
    assert.equal(await world.checkpoints.read(ROUND_SITE), undefined);
    assert.deepEqual(world.mirrorMismatches(), []);
  });

  it("reads no document at all in an incremental round without folder changes", async () => {
    const library = world.library();
    library.generate({ files: 30, folders: 3, seed: 22, maxSize: 512 });
    assert.ifError((await world.run()).error);
    const [id] = library.expectedFiles().keys();
    library.updateFile(id, Buffer.from("one changed file"));
    let pages = 0;
    world.documents.onPage = () => pages++;
    const run = await world.run();
    assert.ifError(run.error);
    assert.equal(run.result!.counters.downloaded, 1);
    assert.equal(pages, 0);
  });
});
