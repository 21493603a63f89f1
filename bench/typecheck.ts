/**
 * How long and how much memory type-checking the Pulumi program takes (`tsc --noEmit -p tsconfig.program.json`).
 * Target: under 15 s and 1 GB on the project's 2-core machine.
 *
 *   npm run bench:typecheck                 # 3 runs of the program
 *   npm run bench:typecheck -- --compare    # also 3 runs of a file importing the provider package roots
 *
 * Peak RSS comes from `/usr/bin/time -v` when it exists, otherwise from tsc's own `--extendedDiagnostics`
 * ("Memory used", the compiler's heap, which understates RSS).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const TSC = require.resolve("typescript/bin/tsc");
const GNU_TIME = "/usr/bin/time";
const RUNS = 3;

interface Sample {
  seconds: number;
  /** User + system CPU seconds (less sensitive than wall time to other work on a shared machine); GNU time only. */
  cpuSeconds?: number;
  peakMiB: number;
  source: "rss" | "tsc-heap";
}

function typecheckOnce(project: string): Sample {
  const useTime = fs.existsSync(GNU_TIME);
  const tscArgs = [TSC, "--noEmit", "-p", project, ...(useTime ? [] : ["--extendedDiagnostics"])];
  const [command, args] = useTime ? [GNU_TIME, ["-v", process.execPath, ...tscArgs]] : [process.execPath, tscArgs];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`tsc -p ${project} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  if (useTime) {
    const kib = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1];
    if (kib === undefined) throw new Error(`no peak RSS in /usr/bin/time output:\n${result.stderr}`);
    const user = Number(/User time \(seconds\): ([\d.]+)/.exec(result.stderr)?.[1] ?? NaN);
    const system = Number(/System time \(seconds\): ([\d.]+)/.exec(result.stderr)?.[1] ?? NaN);
    return { seconds, cpuSeconds: user + system, peakMiB: Number(kib) / 1024, source: "rss" };
  }
  const kib = /Memory used:\s+(\d+)K/.exec(result.stdout)?.[1];
  if (kib === undefined) throw new Error(`no "Memory used" in tsc --extendedDiagnostics output:\n${result.stdout}`);
  return { seconds, peakMiB: Number(kib) / 1024, source: "tsc-heap" };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(label: string, project: string): { seconds: number; cpuSeconds?: number; peakMiB: number } {
  const samples = Array.from({ length: RUNS }, () => typecheckOnce(project));
  const seconds = median(samples.map((s) => s.seconds));
  const peakMiB = Math.max(...samples.map((s) => s.peakMiB));
  const memoryLabel = samples[0]!.source === "rss" ? "peak RSS" : "tsc heap (no /usr/bin/time)";
  const cpuSeconds = samples.every((s) => s.cpuSeconds !== undefined)
    ? median(samples.map((s) => s.cpuSeconds!))
    : undefined;
  const cpu = cpuSeconds === undefined ? "" : `; median CPU ${cpuSeconds.toFixed(2)} s`;
  console.log(
    `${label}: median ${seconds.toFixed(2)} s wall over ${RUNS} runs (${samples.map((s) => s.seconds.toFixed(2)).join(", ")})${cpu}; ${memoryLabel} ${peakMiB.toFixed(0)} MiB`,
  );
  return { seconds, cpuSeconds, peakMiB };
}

/** A throwaway project importing the provider package roots, to show what the submodule imports save. */
function rootImportProbe(): string {
  const dir = path.join(ROOT, ".local", "bench-typecheck-roots");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "probe.ts"),
    [
      'import * as aws from "@pulumi/aws";',
      'import * as azure from "@pulumi/azure-native";',
      'import * as azuread from "@pulumi/azuread";',
      'import * as github from "@pulumi/github";',
      "export const types = [aws.iam.Role, azure.managedidentity.UserAssignedIdentity, azuread.Application, github.ActionsVariable];",
      "",
    ].join("\n"),
  );
  const project = path.join(dir, "tsconfig.json");
  fs.writeFileSync(
    project,
    JSON.stringify(
      { extends: "../../tsconfig.json", compilerOptions: { types: ["node"] }, include: ["probe.ts"] },
      null,
      2,
    ),
  );
  return project;
}

function main(): void {
  const program = measure("program (submodule imports)", "tsconfig.program.json");
  const verdict = program.seconds < 15 && program.peakMiB < 1024 ? "within" : "OVER";
  console.log(`target < 15 s and < 1024 MiB: ${verdict}`);
  if (process.argv.includes("--compare")) {
    const roots = measure("probe (package-root imports)", rootImportProbe());
    const cpuRatio =
      roots.cpuSeconds !== undefined && program.cpuSeconds !== undefined
        ? `, CPU x${(roots.cpuSeconds / program.cpuSeconds).toFixed(2)}`
        : "";
    console.log(
      `root imports / program: wall x${(roots.seconds / program.seconds).toFixed(2)}${cpuRatio}, memory x${(roots.peakMiB / program.peakMiB).toFixed(2)}`,
    );
  }
}

main();
