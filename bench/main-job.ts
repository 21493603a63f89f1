/**
 * The README's main job, timed: `npm start` (offline plan of the dev stack under the mock runtime, plan file,
 * tree, policy gate through the Analyzer protocol) five times from the installed tree, each wall time and the
 * median. Target: median under 10 s on the project's 2-core machine.
 *
 *   npx tsx bench/main-job.ts [runs]
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";

const repoRoot = resolve(__dirname, "..");
const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${process.argv[2]}`);

// Wall time on a shared machine depends on what else runs: print the load beside the figures.
const load = () => `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;
console.log(`npm start x ${runs} (${load()})`);
const seconds: number[] = [];
for (let i = 1; i <= runs; i++) {
  const started = performance.now();
  const run = spawnSync("npm", ["start", "--silent"], { cwd: repoRoot, encoding: "utf8" });
  const elapsed = (performance.now() - started) / 1000;
  if (run.status !== 0) {
    // A failed gate is still a complete main job; a crash is not a measurement.
    const gateFailed = /Gate: FAILED/.test(run.stdout);
    if (!gateFailed) throw new Error(`npm start failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  seconds.push(elapsed);
  console.log(`run ${i}: ${elapsed.toFixed(2)} s (exit ${run.status})`);
}
const sorted = [...seconds].sort((a, b) => a - b);
const median =
  sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
console.log(`median of ${runs}: ${median.toFixed(2)} s, fastest ${sorted[0].toFixed(2)} s (target < 10 s; ${load()})`);
