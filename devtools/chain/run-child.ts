// Runs a TypeScript entry point in a fresh Node process with ONLY the environment given (plus PATH),
// the way ECS starts a task: nothing leaks in from the test runner's own environment.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../..");
/** The children's working directory: an empty one, so a developer's `.env` never leaks into a test run. */
let workDir: string | undefined;
function emptyWorkDir(): string {
  return (workDir ??= mkdtempSync(join(tmpdir(), "chain-child-")));
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runTs(
  entry: string,
  args: string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["-r", require.resolve("tsx/cjs"), resolve(REPO_ROOT, entry), ...args], {
      cwd: emptyWorkDir(),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 45_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
