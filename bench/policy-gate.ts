/**
 * How fast the policy gate judges a large stack through the real protocol: start the pack as the engine does
 * (run-policy-pack over the shipped JavaScript), Analyze every resource, then one AnalyzeStack over all of them.
 * 2,000 mixed resources (the reference zero-secrets shapes, with a run of planted secrets every twenty), three
 * runs, medians printed. Target: under 2.5 s including start-up. Wall time depends on what else the machine runs;
 * CPU seconds (pack + this client) much less, so both are printed, with the load average.
 *
 *   npm run bench:policy                                     # or: npx tsx bench/policy-gate.ts [resources] [runs]
 *   npx tsx bench/policy-gate.ts 2000 3 --baseline [ref]     # alternate with <ref>'s own bench (default main)
 *
 * With a baseline, each round runs <ref>'s `bench/policy-gate.ts <resources> 1` (its gate, its pack as it ships
 * there) and then this checkout's in a child process the same way, so both see the same load.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { plantedResources, referenceResources } from "../devtools/policy-fixtures/stacks";
import { startPolicyPack, type GateResource } from "../tools/policy-gate";
import { baselineRef, load, median, prepareBaseline, ROOT } from "./baseline";

const positional = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && all[i - 1] !== "--baseline");
const RESOURCES = Number(positional[0] ?? 2000);
const RUNS = Number(positional[1] ?? 3);
const TARGET_SECONDS = 2.5;

/** Reference shapes, with a run of planted ones (1 to 13, cycling) every 20 resources. */
function mixedStack(size: number): { resources: GateResource[]; planted: number } {
  const resources: GateResource[] = [];
  let planted = 0;
  let cycle = 0;
  while (resources.length < size) {
    const plant = resources.length % 20 === 0;
    const batch = plant ? plantedResources().slice(0, 1 + (cycle++ % 13)) : referenceResources();
    for (const r of batch) {
      if (resources.length >= size) break;
      const name = `${r.name}-${resources.length}`;
      resources.push({ ...r, name, urn: r.urn.replace(/::[^:]+$/, `::${name}`) });
      if (plant) planted++;
    }
  }
  return { resources, planted };
}

/** CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}

interface RunFigures {
  startup: number;
  analyze: number;
  analyzeStack: number;
  total: number;
  cpu: number;
  mandatory: number;
}

async function runOnce(resources: GateResource[]): Promise<RunFigures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const session = await startPolicyPack({ nodeArgs: process.env.PACK_NODE_ARGS?.split(" ").filter(Boolean) });
  const t1 = performance.now();
  const perResource = await session.analyze(resources);
  const t2 = performance.now();
  const stack = await session.analyzeStack(resources);
  const t3 = performance.now();
  const cpuClient = process.cpuUsage(cpu0);
  const cpu = processCpuSeconds(session.pid) + (cpuClient.user + cpuClient.system) / 1e6;
  await session.close();
  return {
    startup: (t1 - t0) / 1000,
    analyze: (t2 - t1) / 1000,
    analyzeStack: (t3 - t2) / 1000,
    total: (t3 - t0) / 1000,
    cpu,
    mandatory: [...perResource, ...stack].filter((d) => d.enforcementLevel === "mandatory").length,
  };
}

/** One run of a checkout's bench in a child process: the total and start-up from its "median:" line. */
function childRun(checkout: string, resources: number): { total: number; startup: number } {
  const output = execFileSync(
    join(ROOT, "node_modules", ".bin", "node"),
    ["--require", "tsx/cjs", join(checkout, "bench", "policy-gate.ts"), String(resources), "1"],
    { cwd: checkout, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
  );
  const figures = /median: total ([\d.]+) s including start-up \(start-up ([\d.]+) s/.exec(output);
  if (!figures) throw new Error(`no figures from the bench in ${checkout}:\n${output}`);
  return { total: Number(figures[1]), startup: Number(figures[2]) };
}

async function sideBySide(ref: string): Promise<void> {
  const baseline = prepareBaseline(ref);
  try {
    console.log(`policy gate bench: ${RESOURCES} resources, ${RUNS} rounds of ${ref} then this checkout (${load()})`);
    // Unmeasured: builds this checkout's pack and warms both checkouts' caches.
    childRun(baseline.dir, 50);
    childRun(ROOT, 50);
    const old: { total: number; startup: number }[] = [];
    const now: { total: number; startup: number }[] = [];
    for (let i = 1; i <= RUNS; i++) {
      old.push(childRun(baseline.dir, RESOURCES));
      now.push(childRun(ROOT, RESOURCES));
      console.log(
        `round ${i}: ${ref} ${old[i - 1]!.total.toFixed(2)} s (start-up ${old[i - 1]!.startup.toFixed(2)} s), this checkout ${now[i - 1]!.total.toFixed(2)} s (start-up ${now[i - 1]!.startup.toFixed(2)} s) (${load()})`,
      );
    }
    const before = median(old.map((r) => r.total));
    const after = median(now.map((r) => r.total));
    console.log(
      `median: ${ref} ${before.toFixed(2)} s, this checkout ${after.toFixed(2)} s including start-up (${(before / after).toFixed(2)}x faster; start-up ${median(old.map((r) => r.startup)).toFixed(2)} s -> ${median(now.map((r) => r.startup)).toFixed(2)} s); target < ${TARGET_SECONDS} s: ${after < TARGET_SECONDS ? "met" : "NOT met"}; ${load()}`,
    );
  } finally {
    baseline.remove();
  }
}

async function alone(): Promise<void> {
  const { resources, planted } = mixedStack(RESOURCES);
  console.log(
    `policy gate bench: ${resources.length} resources (${planted} planted), ${RUNS} runs, node ${process.version}`,
  );
  const runs: RunFigures[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await runOnce(resources);
    runs.push(r);
    console.log(
      `run ${i + 1}: start-up ${r.startup.toFixed(2)} s, Analyze x${resources.length} ${r.analyze.toFixed(2)} s, ` +
        `AnalyzeStack ${r.analyzeStack.toFixed(2)} s, total ${r.total.toFixed(2)} s (CPU ${r.cpu.toFixed(2)} s), ${(resources.length / r.total).toFixed(0)} resources/s, ${r.mandatory} mandatory diagnostics`,
    );
  }
  const total = median(runs.map((r) => r.total));
  console.log(
    `median: total ${total.toFixed(2)} s including start-up (start-up ${median(runs.map((r) => r.startup)).toFixed(2)} s, ` +
      `Analyze ${median(runs.map((r) => r.analyze)).toFixed(2)} s, AnalyzeStack ${median(runs.map((r) => r.analyzeStack)).toFixed(2)} s), ` +
      `${(resources.length / total).toFixed(0)} resources/s; CPU ${median(runs.map((r) => r.cpu)).toFixed(2)} s (pack + client); ` +
      `target < ${TARGET_SECONDS} s: ${total < TARGET_SECONDS ? "met" : "NOT met"}; ${load()}`,
  );
}

const ref = baselineRef(process.argv);
(ref ? sideBySide(ref) : alone()).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
