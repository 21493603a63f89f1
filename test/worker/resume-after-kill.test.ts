// Crash safety: the worker is killed with SIGKILL (no chance to clean up) at seeded random points,
// more than ten times in one round, while the library keeps changing. Every run resumes from the
// checkpoint; at the end the bucket equals the library byte for byte, nothing stale is left, and
// no kill cost more than the one page that was in flight.
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { WorkerHarness, mirrorMismatches, type RunningWorker } from "../../devtools/worker/harness";

/** mulberry32: the kill points and library changes are the same on every run of the test. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGE_SIZE = 25;
const KILLS = 12;

describe("worker resume after kill -9", function () {
  this.timeout(150_000);
  let h: WorkerHarness;
  before(async () => {
    h = await WorkerHarness.start({ pageSize: PAGE_SIZE, latencyMs: 5 });
  });
  after(async () => h.close());

  it(`ends with an exact mirror after ${KILLS} kills at random points, redoing at most one page per kill`, async () => {
    const random = seeded(20261126);
    const library = h.library();
    library.generate({ files: 500, folders: 25, seed: 31, maxSize: 32 * 1024 });
    // Two multipart-sized files, so that some kills land in the middle of a multipart upload.
    library.addFile(null, "Big one.bin", { size: 9 * 1024 * 1024, seed: 1 });
    library.addFile(null, "Big two.bin", { size: 9 * 1024 * 1024, seed: 2 });
    const env = h.env({ SYNC_LEASE_TTL_SECONDS: "1" });

    let kills = 0;
    let killsAfterDurablePages = 0;
    /** Pages the interrupted round had made durable; undefined when no round is in progress. */
    let resumeAt: number | undefined;
    for (let attempt = 0; kills < KILLS; attempt++) {
      assert.ok(attempt < KILLS * 4, `only ${kills} kills in ${attempt} runs: rounds end before the kill points`);
      const worker: RunningWorker = h.startSync(["--concurrency", "8"], env);
      const started = await worker.waitForLog((l) => l.msg === "round started");
      const round = started.round as { resumed: boolean; pages: number };
      if (resumeAt !== undefined) {
        assert.equal(round.resumed, true, "a killed round is resumed, not restarted");
        // The checkpoint is the last page the killed run made durable (the "page durable" line is
        // logged just after the checkpoint write, so a kill in between shows one page more): the
        // only work redone is the one page that was in flight when it died.
        assert.ok(
          round.pages === resumeAt || round.pages === resumeAt + 1,
          `the resumed round starts at page ${round.pages}, the killed run had made ${resumeAt} durable`,
        );
      }
      await sleep(100 + Math.floor(random() * 900));
      if (worker.child.exitCode === null && worker.child.kill("SIGKILL")) kills++;
      const exit = await worker.exited;
      const durable = exit.logs
        .filter((l) => l.msg === "page durable")
        .map((l) => (l.page as { number: number }).number);
      if (exit.logs.some((l) => l.msg === "round completed")) {
        resumeAt = undefined;
        // The round finished before the kill point: give the next (incremental) round several
        // pages of work so that it can be interrupted too.
        for (let i = 0; i < 3 * PAGE_SIZE; i++)
          library.addFile(null, `Batch ${attempt}-${i}.bin`, { size: 2048 + i, seed: attempt * 1000 + i });
      } else if (durable.length > 0) {
        resumeAt = Math.max(...durable);
      }
      if (exit.signal === "SIGKILL" && durable.length > 0) killsAfterDurablePages++;

      // Keep changing the library, also while rounds are in progress.
      if (kills % 3 === 0) mutate(library, random);
      await waitForLeaseExpiry(h);
    }
    assert.ok(
      killsAfterDurablePages >= KILLS / 2,
      `only ${killsAfterDurablePages} kills landed after a page was durable`,
    );

    // Let the interrupted round finish, then one more round picks up changes made during it.
    h.graph.resetStats();
    for (let round = 0; round < 2; round++) {
      const exit = await h.sync([], env);
      assert.equal(exit.code, 0, exit.stderr);
    }
    assert.deepEqual(await mirrorMismatches(h, library), []);
  });
});

function mutate(library: ReturnType<WorkerHarness["library"]>, random: () => number): void {
  const files = [...library.expectedFiles().keys()];
  const pick = () => files.splice(Math.floor(random() * files.length), 1)[0];
  library.updateFile(pick(), { size: 1000 + Math.floor(random() * 5000), seed: Math.floor(random() * 1e6) });
  library.delete(pick());
  library.rename(pick(), `Renamed ${Math.floor(random() * 1e9)}.bin`);
  library.addFile(null, `New ${Math.floor(random() * 1e9)}.txt`, Buffer.from(`added ${random()}`));
}

/** A killed worker cannot release its lease: the next one may start once it has expired. */
async function waitForLeaseExpiry(h: WorkerHarness): Promise<void> {
  const lease = await h.item("lease").catch(() => undefined);
  const expiresAt = typeof lease?.expiresAt === "number" ? lease.expiresAt : 0;
  const wait = expiresAt - Date.now();
  if (wait > 0) await sleep(wait + 20);
}
