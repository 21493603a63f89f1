/**
 * How fast the policy gate judges a large stack through the real protocol: start the pack as the
 * engine does (run-policy-pack, ts-node type-check included), Analyze every resource, then one
 * AnalyzeStack over all of them. 2,000 mixed resources (the reference zero-secrets shapes, with
 * one planted secret in twenty), three runs, median printed. Target: under 5 s including start-up.
 * Wall time depends on what else the machine runs; CPU seconds (pack + this client) do much less,
 * so both are printed.
 *
 *   npm run bench:policy            # or: npx tsx bench/policy-gate.ts [resources] [runs]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { GateResource, startPolicyPack } from "../tools/policy-gate";
import { plantedResources, referenceResources } from "../devtools/policy-fixtures/stacks";

const RESOURCES = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 3);

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}

async function runOnce(resources: GateResource[]) {
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
    mandatory:
      perResource.filter((d) => d.enforcementLevel === "mandatory").length +
      stack.filter((d) => d.enforcementLevel === "mandatory").length,
  };
}

async function main() {
  const { resources, planted } = mixedStack(RESOURCES);
  console.log(
    `policy gate bench: ${resources.length} resources (${planted} planted), ${RUNS} runs, node ${process.version}`,
  );
  const runs = [];
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
      `target < 5 s: ${total < 5 ? "met" : "NOT met"}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
