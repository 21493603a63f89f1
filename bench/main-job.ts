/**
 * The README's main job, timed: `npm start` (offline plan of the dev stack under the mock runtime, plan file, tree,
 * policy gate through the Analyzer protocol) from the installed tree, each wall time and the median. Target: median
 * under 4 s on the project's 2-core machine.
 *
 *   npx tsx bench/main-job.ts [runs]                      # this checkout, five runs
 *   npx tsx bench/main-job.ts [runs] --baseline [ref]     # and the same runs of <ref> (default main), alternated
 *
 * With a baseline, each round runs the baseline's `npm start` then this checkout's, so both see the same load.
 * CPU seconds (user + system of npm and every process it starts, from GNU time when installed) are printed beside
 * the wall times: on a machine shared with other work they vary much less.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { baselineRef, load, median, prepareBaseline, ROOT } from "./baseline";

const TARGET_SECONDS = 4;
const runs = Number(process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : 5);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${process.argv[2]}`);

const GNU_TIME = "/usr/bin/time";

function npmStart(cwd: string): { seconds: number; cpu: number; status: number | null } {
  const timed = existsSync(GNU_TIME);
  const started = performance.now();
  const run = timed
    ? spawnSync(GNU_TIME, ["-f", "cpu %U %S", "npm", "start", "--silent"], { cwd, encoding: "utf8" })
    : spawnSync("npm", ["start", "--silent"], { cwd, encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  // A failed gate is still a complete main job; a crash is not a measurement.
  if (run.status !== 0 && !/Gate: FAILED/.test(run.stdout)) {
    throw new Error(`npm start in ${cwd} failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const usage = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr);
  return { seconds, cpu: usage ? Number(usage[1]) + Number(usage[2]) : Number.NaN, status: run.status };
}

const ref = baselineRef(process.argv);
const baseline = ref ? prepareBaseline(ref) : undefined;
try {
  console.log(`npm start x ${runs}${baseline ? `, alternating with ${ref}` : ""} (${load()})`);
  // One unmeasured run each: builds the pack, fills tsx's and Node's compile caches, as on any machine after npm ci.
  if (baseline) npmStart(baseline.dir);
  npmStart(ROOT);
  const current: { seconds: number; cpu: number }[] = [];
  const before: { seconds: number; cpu: number }[] = [];
  const show = (r: { seconds: number; cpu: number }) => `${r.seconds.toFixed(2)} s (CPU ${r.cpu.toFixed(2)} s)`;
  for (let i = 1; i <= runs; i++) {
    const old = baseline ? npmStart(baseline.dir) : undefined;
    const now = npmStart(ROOT);
    if (old) before.push(old);
    current.push(now);
    console.log(`run ${i}: ${old ? `${ref} ${show(old)}, ` : ""}this checkout ${show(now)} (${load()})`);
  }
  const now = median(current.map((r) => r.seconds));
  const nowCpu = median(current.map((r) => r.cpu));
  const verdict = `target < ${TARGET_SECONDS} s: ${now < TARGET_SECONDS ? "met" : "NOT met"}`;
  if (baseline) {
    const old = median(before.map((r) => r.seconds));
    const oldCpu = median(before.map((r) => r.cpu));
    console.log(
      `median of ${runs}: ${ref} ${old.toFixed(2)} s (CPU ${oldCpu.toFixed(2)} s), this checkout ${now.toFixed(2)} s (CPU ${nowCpu.toFixed(2)} s); ${(old / now).toFixed(2)}x faster; ${verdict}; ${load()}`,
    );
  } else {
    const fastest = Math.min(...current.map((r) => r.seconds));
    console.log(
      `median of ${runs}: ${now.toFixed(2)} s (CPU ${nowCpu.toFixed(2)} s), fastest ${fastest.toFixed(2)} s; ${verdict}; ${load()}`,
    );
  }
} finally {
  baseline?.remove();
}
