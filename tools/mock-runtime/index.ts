/**
 * Runs a Pulumi program under the SDK's mock runtime and returns every resource it registered.
 *
 * Used by the stack tests, the offline plan and the policy gate: one function, one child process per run (the
 * Pulumi runtime is a per-process singleton). Resource outputs come from `mocks.ts`, which answers like the real
 * providers do (ARNs, client IDs, the outbound issuer URL).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export { UNKNOWN } from "./serialized";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** Parent URN (components included); undefined only for the stack resource itself. */
  parent?: string;
  /** false for component resources (and the `pulumi:pulumi:Stack` root). */
  custom: boolean;
  /** Plain JSON, secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** What the mocks returned (for components: what they registered as outputs). */
  outputs: Record<string, unknown>;
  /** Dotted paths of inputs that were marked secret (so a plan can mask them). */
  secretPaths: string[];
  provider?: string;
  /** URNs this resource depends on (`dependsOn` and input dependencies). */
  dependencies?: string[];
}

export interface StackRun {
  project: string;
  stack: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

export interface RunOptions {
  stack: string;
  /** Directory holding Pulumi.yaml and Pulumi.<stack>.yaml; default the repository root. */
  projectDir?: string;
  /** Run as a preview (`pulumi.runtime.isDryRun()` is true). Default false. */
  preview?: boolean;
  /** Give up after this many milliseconds. Default 60 000. */
  timeoutMs?: number;
}

/** The error a run rejects with: the program's own message (e.g. a config error naming stack and key). */
export class StackRunError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "StackRunError";
  }
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CHILD = path.join(__dirname, "child.ts");

/**
 * Runs the program in a FRESH child process under `pulumi.runtime.setMocks`, with config from
 * `<projectDir>/Pulumi.<stack>.yaml`, and returns every registered resource.
 */
export async function runStackUnderMocks(opts: RunOptions): Promise<StackRun> {
  const projectDir = path.resolve(opts.projectDir ?? REPO_ROOT);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "mock-runtime-"));
  const outFile = path.join(workDir, "run.json");
  const args = ["--require", require.resolve("tsx/cjs"), CHILD, projectDir, opts.stack, outFile];
  if (opts.preview === true) args.push("--preview");
  try {
    const stderr = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        args,
        { cwd: projectDir, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
        (_err, _stdout, stderrText) => resolve(stderrText),
      );
    });
    if (!fs.existsSync(outFile)) {
      throw new StackRunError(`stack "${opts.stack}" did not finish under the mock runtime:\n${tail(stderr)}`, stderr);
    }
    const result = JSON.parse(fs.readFileSync(outFile, "utf8")) as StackRun | { error: string };
    if ("error" in result) throw new StackRunError(result.error, stderr);
    return result;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
