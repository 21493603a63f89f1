/**
 * "Today's figure, side by side in one run": a checkout of another git ref (default `main`) prepared beside this
 * one, so a bench can alternate runs of both on the same machine under the same load. The ref's files come from
 * `git archive` into a temporary directory; its node_modules is this checkout's (a superset when this branch only
 * adds dependencies), linked rather than installed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "..");

export interface Baseline {
  ref: string;
  dir: string;
  remove(): void;
}

export function prepareBaseline(ref: string): Baseline {
  const dir = mkdtempSync(join(tmpdir(), `zerosecrets-baseline-`));
  const archive = execFileSync("git", ["archive", "--format=tar", ref], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return { ref, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `--baseline <ref>` from the command line, if given (`--baseline` alone means main). */
export function baselineRef(argv: string[]): string | undefined {
  const index = argv.indexOf("--baseline");
  if (index < 0) return undefined;
  const next = argv[index + 1];
  return next && !next.startsWith("--") ? next : "main";
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time on a shared machine depends on what else runs: printed beside every figure. */
export function load(): string {
  return `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
}
