// The end-of-round pass at scale: one million document rows (issue 12, finding 6). Seeds dynalite
// with a site whose full round is in its "finishing" phase (every row stamped by the round but 1%,
// which the sweep must delete), then runs the worker (a real child process) on it: SIGTERM at
// seeded random moments must end each run within 10 s with a resumable checkpoint, and the pass,
// resumed run after run, must finish with exactly the unstamped rows swept. Prints the worker's peak
// RSS (target < 256 MB) and the load average beside the figures.
//   npx tsx bench/worker-sweep.ts [--records 1000000] [--kills 3] [--seed 7]
import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Command } from "commander";
import { seededRandom } from "../devtools/graph/random";
import { SITE_ID, WorkerHarness, summaryOf, type WorkerExit } from "../devtools/worker/harness";

const program = new Command("bench:worker-sweep")
  .option("--records <n>", "document rows of the site", "1000000")
  .option("--folders <n>", "folders among them", "2000")
  .option("--kills <n>", "SIGTERMs at random moments before the pass may finish", "3")
  .option("--seed <n>", "seed for the kill moments", "7");

const ROUND = "bench-sweep-round";
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function seed(h: WorkerHarness, records: number, folders: number): Promise<{ unstamped: number; files: number }> {
  const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(8, "0")}`;
  const rows: Record<string, unknown>[] = [];
  let unstamped = 0;
  let files = 0;
  const now = new Date().toISOString();
  const flush = async () => {
    while (rows.length > 0) {
      let batch = rows.splice(0, 25);
      while (batch.length > 0) {
        const out = await h.doc.send(
          new BatchWriteCommand({
            RequestItems: { [h.tables.documents]: batch.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        batch = (out.UnprocessedItems?.[h.tables.documents] ?? []).map((r) => r.PutRequest!.Item!);
      }
    }
  };
  rows.push({
    siteId: SITE_ID,
    itemId: "ROOT",
    kind: "root",
    name: "root",
    path: "",
    roundId: ROUND,
    syncedAt: now,
    fence: 1,
  });
  for (let f = 0; f < folders; f++) {
    // Folders nested in chains of five, so paths are several levels deep.
    const parentId = f % 5 === 0 ? "ROOT" : id("F", f - 1);
    const depth = f % 5;
    const path = Array.from({ length: depth + 1 }, (_, k) => `Folder ${String(f - depth + k).padStart(5, "0")}`).join(
      "/",
    );
    rows.push({
      siteId: SITE_ID,
      itemId: id("F", f),
      kind: "folder",
      name: `Folder ${String(f).padStart(5, "0")}`,
      parentId,
      path,
      roundId: ROUND,
      syncedAt: now,
      fence: 1,
    });
  }
  for (let n = 0; n < records - folders - 1; n++) {
    const folder = n % folders;
    const depth = folder % 5;
    const folderPath = Array.from(
      { length: depth + 1 },
      (_, k) => `Folder ${String(folder - depth + k).padStart(5, "0")}`,
    ).join("/");
    const stamped = n % 100 !== 0;
    if (!stamped) unstamped++;
    else files++;
    const itemId = id("D", n);
    rows.push({
      siteId: SITE_ID,
      itemId,
      kind: "file",
      name: `Document ${n}.bin`,
      parentId: id("F", folder),
      path: `${folderPath}/Document ${n}.bin`,
      size: 1000 + (n % 5000),
      eTag: `"{${n}},1"`,
      hashes: { quickXorHash: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
      s3Key: `sharepoint/${SITE_ID}/${itemId}/1-00000000`,
      roundId: stamped ? ROUND : "an-earlier-round",
      syncedAt: now,
      fence: 1,
    });
    if (rows.length >= 1000) await flush();
  }
  await flush();
  return { unstamped, files };
}

async function main(): Promise<void> {
  const opts = program.parse().opts<{ records: string; folders: string; kills: string; seed: string }>();
  const records = Number(opts.records);
  const random = seededRandom(Number(opts.seed));
  const h = await WorkerHarness.start({}, { dynamoOnDisk: true });
  try {
    const env = h.env({ SYNC_LEASE_TTL_SECONDS: "30" });
    // Tables first (a status run creates them), then the rows.
    await h.spawn(["status", "--site", SITE_ID, ...h.localSyncSwitches()], env).exited;
    const seeding = Date.now();
    const { unstamped, files } = await seed(h, records, Number(opts.folders));
    console.log(
      `seeded ${records} rows (${unstamped} to be swept) in ${((Date.now() - seeding) / 1000).toFixed(0)} s; load average ${load()}`,
    );
    const deltaLink = `${h.graph.baseUrl}/sites/${SITE_ID}/drive/root/delta?token=latest`;
    const checkpoint = {
      siteId: SITE_ID,
      nextLink: deltaLink,
      roundId: ROUND,
      mode: "full",
      pages: 1,
      items: records,
      bytes: 0,
      startedAt: new Date().toISOString(),
      pathsDirty: false,
      reason: "bench",
      phase: "finishing",
      deltaLink,
      fence: 1,
    };
    await h.doc.send(new PutCommand({ TableName: h.tables.checkpoints, Item: checkpoint }));

    let peakMiB = 0;
    let swept = 0;
    const exits: WorkerExit[] = [];
    for (let k = 0; ; k++) {
      const killing = k < Number(opts.kills);
      // The pass over a million rows takes minutes on a busy machine: the limit is for a hung run.
      const worker = h.spawn(["sync", "--site", SITE_ID, ...h.localSyncSwitches()], env, undefined, 60 * 60 * 1000);
      await worker.waitForLog((l) => l.msg === "round started", 120_000);
      let signalledAt = 0;
      if (killing) {
        await sleep(1000 + Math.floor(random() * 8000));
        signalledAt = Date.now();
        worker.child.kill("SIGTERM");
      }
      const exit = await worker.exited;
      exits.push(exit);
      const summary = summaryOf(exit) as {
        status: string;
        maxRssMiB: number;
        finish?: { swept: number; rows: number };
      };
      peakMiB = Math.max(peakMiB, summary.maxRssMiB);
      const stopMs = signalledAt ? Date.now() - signalledAt : 0;
      const sweepFrom = (await h.item("checkpoints"))?.sweepFrom;
      if (summary.finish) swept += summary.finish.swept;
      console.log(
        killing
          ? `run ${k + 1}: SIGTERM after the pass had started; exit ${exit.code} ${stopMs} ms after the signal (target < 10,000 ms); checkpoint continues after ${String(sweepFrom)}; peak RSS ${summary.maxRssMiB} MiB; load ${load()}`
          : `run ${k + 1}: ${summary.status}, pass over ${summary.finish?.rows ?? "?"} rows in ${(exit.ms / 1000).toFixed(0)} s (exit ${exit.code}); peak RSS ${summary.maxRssMiB} MiB; load ${load()}`,
      );
      if (killing && (exit.code !== 143 || stopMs >= 10_000 || sweepFrom === undefined)) process.exitCode = 1;
      if (!killing) {
        if (exit.code !== 0) throw new Error(`the last run failed: ${exit.stderr.slice(-2000)}`);
        break;
      }
    }
    const left = await h.documents();
    const remaining = [...left.values()].filter((d) => d.roundId !== ROUND).length;
    console.log(
      `\nrows left: ${left.size} (${files} files stamped by the round kept, ${remaining} unstamped left; target 0); swept in the final run: ${swept}`,
    );
    console.log(
      `peak RSS of the worker over all runs: ${peakMiB} MiB = ${(peakMiB * 1.048576).toFixed(0)} MB (target < 256 MB)`,
    );
    if (remaining !== 0 || peakMiB * 1.048576 >= 256) process.exitCode = 1;
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
