// `npm run bench:fanout`: download throughput of the fan-out with 1, 2 and 4 consumer processes,
// side by side in one run, on the SQS stand-in and the Graph emulator (latency per API response, so
// each file costs at least one item lookup). Consumers are started and ready before the producer, so
// process start-up is not counted; the clock runs from the first task sent to the queue drained.
// Prints the median of --runs runs per consumer count, the ratio to one consumer, and the load average.
// Producer and consumers run as the prod stack's task role (the stack with fan-out) behind IAM enforcement, SQS
// included, on the queues, tables and bucket the stack declares.
// The defaults model the case fan-out is for: downloads bound by Graph's latency, not by this machine.
//   npm run bench:fanout -- --files 200 --latency 200 --consumer-concurrency 1 --runs 3
import { loadavg } from "node:os";
import { Command } from "commander";
import { describeAuthorisations, loadDeployment, type StackDeployment } from "../devtools/iam";
import { WorkerHarness } from "../devtools/worker/harness";

const program = new Command("bench:fanout")
  .option("--files <n>", "files in the library", "200")
  .option("--latency <ms>", "Graph emulator latency per API response", "200")
  .option("--consumers <list>", "consumer counts to compare", "1,2,4")
  .option("--consumer-concurrency <n>", "tasks each consumer works on at once", "1")
  .option("--runs <n>", "runs per consumer count (the median is printed)", "3")
  .parse();
const opts = program.opts<{
  files: string;
  latency: string;
  consumers: string;
  consumerConcurrency: string;
  runs: string;
}>();

async function once(deployment: StackDeployment, consumers: number, run: number): Promise<number> {
  const h = await WorkerHarness.start({ pageSize: 200, latencyMs: Number(opts.latency) }, { deployment });
  try {
    const { sqs, queue } = h.fanOut;
    const files = Number(opts.files);
    h.library().generate({ files, folders: 10, seed: 7000 + run, maxSize: 16 * 1024 });
    const env = h.fanOutEnv();
    const workers = Array.from({ length: consumers }, () =>
      h.spawn(
        [
          "consume",
          "--graph-auth",
          "none",
          "--idle-exit",
          "5",
          "--visibility",
          "60",
          "--concurrency",
          opts.consumerConcurrency,
        ],
        env,
      ),
    );
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.msg === "consumer started", 60_000)));
    const producer = h.startSync([], env);
    await h.until(async () => (sqs.stats.actions.SendMessageBatch ?? 0) > 0, "the first tasks", 60_000);
    const started = performance.now();
    await h.until(
      async () =>
        h.graph.stats.downloads >= files && sqs.depth(queue.name).visible + sqs.depth(queue.name).inFlight === 0,
      "the drained queue",
      600_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const exit = await producer.exited;
    if (exit.code !== 0) throw new Error(`producer exited ${exit.code}: ${exit.stderr.slice(-500)}`);
    await Promise.all(workers.map((w) => w.exited));
    const refused = h.stores.iam!.enforcer.denials();
    if (refused.length > 0) throw new Error(`IAM refused calls: ${describeAuthorisations(h.stores.iam!.enforcer)}`);
    return files / seconds;
  } finally {
    await h.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const counts = opts.consumers.split(",").map(Number);
  const runs = Number(opts.runs);
  const deployment = await loadDeployment("prod");
  console.log(
    `Fan-out: ${opts.files} files, Graph latency ${opts.latency} ms, ${opts.consumerConcurrency} tasks per consumer, ${runs} run(s) each; load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const rates = new Map<number, number[]>();
  // Interleaved (1, 2, 4, 1, 2, 4, ...) so that a change in machine load hits every count alike.
  for (let run = 0; run < runs; run++)
    for (const consumers of counts)
      rates.set(consumers, [...(rates.get(consumers) ?? []), await once(deployment, consumers, run)]);
  const base = median(rates.get(counts[0]!)!);
  console.log("consumers  files/s (median)  ratio to " + counts[0] + "  runs");
  for (const consumers of counts) {
    const m = median(rates.get(consumers)!);
    console.log(
      `${String(consumers).padStart(9)}  ${m.toFixed(1).padStart(16)}  ${(m / base).toFixed(2).padStart(10)}  ${rates
        .get(consumers)!
        .map((r) => r.toFixed(1))
        .join(", ")}`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? err);
  process.exit(1);
});
