// The worker under Graph's request budget: the emulator gives the application a budget of API
// requests per second and answers 429 with Retry-After beyond it, as Graph does. The worker (a real
// child process, default concurrency) must keep using at least 80% of the budget for useful requests
// (answered delta pages and item GETs) with zero failed items. Prints the figures and the load average.
// The client learns the budget from the first throttled answer and paces itself under it
// (worker/src/graph/pacer.ts) instead of bursting into 429s and losing whole Retry-After pauses.
//   npx tsx bench/worker-rate-limit.ts [--budget 20] [--files 1000] [--latency 20]
import { loadavg } from "node:os";
import { Command } from "commander";
import { SITE_ID, WorkerHarness, summaryOf } from "../devtools/worker/harness";

const program = new Command("bench:worker-rate-limit")
  .option("--budget <n>", "API requests per second the application may make (below what the worker can do here)", "20")
  .option("--files <n>", "files in the library", "1000")
  .option("--latency <ms>", "Graph emulator latency per API response", "20");

async function main(): Promise<void> {
  const opts = program.parse().opts<{ budget: string; files: string; latency: string }>();
  const budget = Number(opts.budget);
  const h = await WorkerHarness.start({ maxRequestsPerSecond: budget, latencyMs: Number(opts.latency) });
  try {
    h.library().generate({ files: Number(opts.files), folders: 20, seed: 40, maxSize: 4096 });
    const started = Date.now();
    let first = 0;
    let last = 0;
    const stamp = () => {
      last = Date.now();
      first ||= last;
    };
    for (const route of ["delta", "item"]) h.graph.events.on(route, stamp);
    const exit = await h.spawn(
      ["sync", "--site", SITE_ID, ...h.localSyncSwitches()],
      h.env({ SYNC_LEASE_TTL_SECONDS: "60" }),
      undefined,
      60 * 60 * 1000,
    ).exited;
    const summary = summaryOf(exit) as {
      status: string;
      items: number;
      quarantined: number;
      itemRetries: number;
      graph: { throttled: number; pausedMs: number };
    };
    const useful = (h.graph.stats.routes.delta ?? 0) + (h.graph.stats.routes.item ?? 0);
    const seconds = (last - first) / 1000;
    const rate = useful / seconds;
    console.log(
      `budget ${budget} requests/s; ${summary.items} items; exit ${exit.code}, ${summary.status}; run ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `useful API requests: ${useful} in ${seconds.toFixed(1)} s = ${rate.toFixed(1)}/s = ${((100 * rate) / budget).toFixed(0)}% of the budget (target >= 80%)`,
    );
    console.log(
      `throttled answers: ${h.graph.stats.throttled} (client paused ${(summary.graph.pausedMs / 1000).toFixed(1)} s in all); failed items: ${summary.quarantined} quarantined, ${summary.itemRetries} item retries (target 0)`,
    );
    if (exit.code !== 0 || rate < 0.8 * budget || summary.quarantined > 0) process.exitCode = 1;
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
