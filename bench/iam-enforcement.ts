// `npm run bench:iam`: what IAM enforcement costs the worker. The same full round (same generated library, its own
// site each run) against the local stores directly and behind the enforcement layer (SigV4 check, request mapping,
// policy evaluation on every call), alternating, several times; prints each run, the medians, their ratio, the
// calls authorised per second and the machine's load average beside them.
//   npm run bench:iam -- --files 500 --runs 5
import { loadavg } from "node:os";
import { Command } from "commander";
import { WorkerHarness, summaryOf } from "../devtools/worker/harness";

const program = new Command("bench:iam")
  .option("--files <n>", "files in the library", "500")
  .option("--runs <n>", "runs of each kind", "5");

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function round(h: WorkerHarness, site: string, files: number): Promise<{ seconds: number; items: number }> {
  h.graph.site(site).generate({ files, folders: 20, seed: 7, maxSize: 8 * 1024 });
  const exit = await h.spawn(["sync", "--site", site, ...h.localSyncSwitches()], h.env({ SYNC_SITE_IDS: site })).exited;
  const summary = summaryOf(exit) as { status: string; seconds: number; items: number };
  if (exit.code !== 0 || summary.status !== "completed") throw new Error(`the round failed: ${exit.stderr}`);
  return { seconds: summary.seconds, items: summary.items };
}

async function main(): Promise<void> {
  const opts = program.parse().opts<{ files: string; runs: string }>();
  const files = Number(opts.files);
  const runs = Number(opts.runs);
  const plain = await WorkerHarness.start({}, { deployment: false });
  const enforced = await WorkerHarness.start();
  try {
    console.log(
      `full round of ${files} files, ${runs} runs each, alternating; load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const times = { plain: [] as number[], enforced: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const a = await round(
        plain,
        `contoso.sharepoint.com,00000000-0000-4000-8000-${String(i).padStart(12, "0")},00000000-0000-4000-8000-000000000001`,
        files,
      );
      const b = await round(
        enforced,
        `contoso.sharepoint.com,00000000-0000-4000-8000-${String(i).padStart(12, "0")},00000000-0000-4000-8000-000000000002`,
        files,
      );
      times.plain.push(a.seconds);
      times.enforced.push(b.seconds);
      console.log(
        `run ${i + 1}: stores directly ${a.seconds.toFixed(2)} s, behind IAM enforcement ${b.seconds.toFixed(2)} s`,
      );
    }
    const calls = enforced.stores.iam!.enforcer.records.filter((r) => r.decision !== "administrator").length;
    const [p, e] = [median(times.plain), median(times.enforced)];
    console.log(
      `median: stores directly ${p.toFixed(2)} s, behind IAM enforcement ${e.toFixed(2)} s, ratio ${(e / p).toFixed(2)}`,
    );
    console.log(
      `worker calls authorised: ${calls} in ${runs} rounds (${(calls / runs).toFixed(0)} per round); refused: ${enforced.stores.iam!.enforcer.denials().length}`,
    );
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await plain.close();
    await enforced.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
