// Crash safety: the worker, a real child process, is killed with SIGKILL (no chance to clean up) at
// seeded points chosen by EVENTS, never by wall-clock offsets: after its Nth durable page plus K
// further downloads, so some kills land between pages and some in the middle of a page (multipart
// uploads included), while the library keeps changing. Every run resumes from the checkpoint; at the
// end the bucket equals the library byte for byte with no leftover upload, and no kill cost more than
// the one page in flight. Replay a failure with TEST_SEED=<seed printed in the failure>.
import { strict as assert } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";
import { WorkerHarness, mirrorMismatches, type RunningWorker } from "../../devtools/worker/harness";
import { seededRandom } from "../../devtools/graph/random";

const SEED = Number(process.env.TEST_SEED ?? 20261126);
const PAGE_SIZE = 10;
const KILLS = 6;

describe("worker resume after kill -9", function () {
  let h: WorkerHarness;
  before(async () => {
    h = await WorkerHarness.start({ pageSize: PAGE_SIZE });
  });
  after(async () => h.close());

  it(`ends with an exact mirror after ${KILLS} kills at seeded events, redoing at most one page per kill (seed ${SEED})`, async () => {
    try {
      await killAndResume(h);
    } catch (err) {
      (err as Error).message = `[TEST_SEED=${SEED}] ${(err as Error).message}`;
      throw err;
    }
  });
});

async function killAndResume(h: WorkerHarness): Promise<void> {
  const random = seededRandom(SEED);
  const library = h.library();
  library.generate({ files: 200, folders: 10, seed: 31, maxSize: 8 * 1024 });
  // Multipart-sized files, so that some kills land in the middle of a multipart upload.
  library.addFile(null, "Big one.bin", { size: 9 * 1024 * 1024, seed: 1 });
  library.addFile(null, "Big two.bin", { size: 9 * 1024 * 1024, seed: 2 });
  const env = h.env({ SYNC_LEASE_TTL_SECONDS: "1" });

  /** Pages the interrupted round had made durable; undefined when no round is in progress. */
  let resumeAt: number | undefined;
  for (let kill = 0, runs = 0; kill < KILLS; runs++) {
    assert.ok(runs < KILLS * 2, `only ${kill} kills in ${runs} runs`);
    const afterPages = 1 + Math.floor(random() * 2);
    const afterDownloads = Math.floor(random() * 8);
    const worker: RunningWorker = h.startSync(["--concurrency", "4"], env);
    const started = await worker.waitForLog((l) => l.msg === "round started");
    const round = started.round as { resumed: boolean; pages: number };
    if (resumeAt !== undefined) {
      assert.equal(round.resumed, true, "a killed round is resumed, not restarted");
      // The checkpoint is written just before the "page durable" line, so a kill in between shows one
      // page more: the only work redone is the page that was in flight when it died.
      assert.ok(
        round.pages === resumeAt || round.pages === resumeAt + 1,
        `the resumed round starts at page ${round.pages}, the killed run had made ${resumeAt} durable`,
      );
    }
    const target = round.pages + afterPages;
    const reached = await worker
      .waitForLog((l) => l.msg === "page durable" && (l.page as { number: number }).number >= target, 60_000)
      .then(() => true)
      .catch(() => false);
    if (!reached) {
      // The round completed before its kill point: give the next round pages of work to interrupt.
      const done = await worker.exited;
      assert.equal(done.code, 0, done.stderr);
      for (let i = 0; i < 5 * PAGE_SIZE; i++)
        library.addFile(null, `Batch ${runs}-${i}.bin`, { size: 2048 + i, seed: runs * 1000 + i });
      resumeAt = undefined;
      continue;
    }
    await downloads(h, afterDownloads, worker);
    assert.ok(worker.child.kill("SIGKILL"), "the worker was still running at its kill point");
    kill++;
    const exit = await worker.exited;
    assert.equal(exit.signal, "SIGKILL");
    const durable = exit.logs.filter((l) => l.msg === "page durable").map((l) => (l.page as { number: number }).number);
    resumeAt = Math.max(...durable);

    // Keep changing the library while the round is in progress.
    if (kill % 2 === 0) mutate(library, random);
    await untilLeaseExpired(h);
  }

  // Let the interrupted round finish, then one more round picks up the changes made during it.
  for (let round = 0; round < 2; round++) {
    const exit = await h.sync([], env);
    assert.equal(exit.code, 0, exit.stderr);
  }
  assert.deepEqual(await mirrorMismatches(h, library), []);
}

/** Resolves after `count` more downloads were served (or at once for 0), or when the worker exits. */
function downloads(h: WorkerHarness, count: number, worker: RunningWorker): Promise<void> {
  if (count === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const onDownload = () => {
      if (++seen < count) return;
      h.graph.events.off("download", onDownload);
      resolve();
    };
    h.graph.events.on("download", onDownload);
    void worker.exited.then(() => {
      h.graph.events.off("download", onDownload);
      resolve();
    });
  });
}

function mutate(library: ReturnType<WorkerHarness["library"]>, random: () => number): void {
  const files = [...library.expectedFiles().keys()].filter((id) => library.get(id)!.name.startsWith("Document"));
  const pick = () => files.splice(Math.floor(random() * files.length), 1)[0];
  library.updateFile(pick(), { size: 1000 + Math.floor(random() * 5000), seed: Math.floor(random() * 1e6) });
  library.delete(pick());
  library.rename(pick(), `Renamed ${Math.floor(random() * 1e9)}.bin`);
  library.addFile(null, `New ${Math.floor(random() * 1e9)}.txt`, Buffer.from(`added ${random()}`));
}

/** A killed worker cannot release its lease: the next one may start once it has expired (read from the table). */
async function untilLeaseExpired(h: WorkerHarness): Promise<void> {
  const lease = await h.item("lease");
  const expiresAt = typeof lease?.expiresAt === "number" ? lease.expiresAt : 0;
  const wait = expiresAt - Date.now() + 1;
  if (wait > 0) await sleep(wait);
}
