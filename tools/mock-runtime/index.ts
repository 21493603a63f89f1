/**
 * Runs a Pulumi program under the SDK's mock runtime and returns every resource it registered.
 *
 * Used by the stack tests, the offline plan and the policy gate: one function, one child process per run (the
 * Pulumi runtime is a per-process singleton). The runtime is set up the way the Pulumi CLI sets it up for
 * `pulumi preview` (organisation, project, stack, the dry-run flag, config with secret keys); resource outputs and
 * provider function results come from `runtime.ts`, which answers like the real providers do.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withCompileCache } from "../compile-cache";
import type { ResourceSnapshot } from "../resource-snapshot";
import { DEFAULT_ORGANIZATION } from "./environment";
import type { ValueFlow } from "./recorder";
import type { CallRecord, OutputMode } from "./runtime";

export { UNKNOWN } from "./serialized";
export { DEFAULT_ORGANIZATION } from "./environment";
export type { CallRecord, OutputMode } from "./runtime";
export type { FlowOrigin, ValueFlow } from "./recorder";

/** A resource as the program registered it (the tools' one snapshot type). */
export type RecordedResource = ResourceSnapshot;

export interface StackRun {
  organization: string;
  project: string;
  stack: string;
  /** What `pulumi.runtime.isDryRun()` returned to the program. */
  dryRun: boolean;
  resources: ResourceSnapshot[];
  outputs: Record<string, unknown>;
  /** Provider functions the program called, in order, each with how it was answered and where it was called. */
  calls: CallRecord[];
  /** Where secret config values and credentials from provider functions landed. */
  flows: ValueFlow[];
  /** Config keys whose value is `secure:` in the stack file (the program got placeholders). */
  secureConfigKeys: string[];
}

export interface RunOptions {
  stack: string;
  /** Directory holding Pulumi.yaml and Pulumi.<stack>.yaml; default the repository root. */
  projectDir?: string;
  /**
   * Shorthand for a preview of resources still to be created: `dryRun: true` and `outputs: "unknown"`.
   * Default false.
   */
  preview?: boolean;
  /** `pulumi.runtime.isDryRun()`. Default: `preview`. */
  dryRun?: boolean;
  /** Computed outputs mocked with plausible values, or left unknown. Default: "unknown" for a preview, else "mocked". */
  outputs?: OutputMode;
  /** `pulumi.getOrganization()`. Default "organization", as on a self-managed backend. */
  organization?: string;
  /** Give up after this many milliseconds. Default 60 000. */
  timeoutMs?: number;
}

/** What the parent hands the child process. */
export interface ChildRequest {
  projectDir: string;
  repoRoot: string;
  stack: string;
  organization: string;
  dryRun: boolean;
  outputs: OutputMode;
  outFile: string;
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
 * Node's module search path for the child: the program's own node_modules come first (Node's usual lookup), then
 * this checkout's, so a program copied anywhere finds `@pulumi/*` without an install of its own.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  const nodePath = [path.join(REPO_ROOT, "node_modules"), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
  return withCompileCache({ ...process.env, NODE_PATH: nodePath });
}

/**
 * Runs the program in a FRESH child process under `pulumi.runtime.setMocks`, with config from
 * `<projectDir>/Pulumi.<stack>.yaml`, and returns every registered resource.
 */
export async function runStackUnderMocks(opts: RunOptions): Promise<StackRun> {
  const projectDir = path.resolve(opts.projectDir ?? REPO_ROOT);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "mock-runtime-"));
  const dryRun = opts.dryRun ?? opts.preview === true;
  const request: ChildRequest = {
    projectDir,
    repoRoot: REPO_ROOT,
    stack: opts.stack,
    organization: opts.organization ?? DEFAULT_ORGANIZATION,
    dryRun,
    outputs: opts.outputs ?? (opts.preview === true ? "unknown" : "mocked"),
    outFile: path.join(workDir, "run.json"),
  };
  const args = ["--require", require.resolve("tsx/cjs"), CHILD, JSON.stringify(request)];
  try {
    const stderr = await new Promise<string>((resolve) => {
      const child = execFile(
        process.execPath,
        args,
        {
          cwd: projectDir,
          env: childEnvironment(),
          timeout: opts.timeoutMs ?? 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (_err, _stdout, stderrText) => {
          process.removeListener("exit", killOnExit);
          resolve(stderrText);
        },
      );
      // The program's process must not outlive the one that started it.
      const killOnExit = () => child.kill("SIGKILL");
      process.once("exit", killOnExit);
    });
    if (!fs.existsSync(request.outFile)) {
      throw new StackRunError(`stack "${opts.stack}" did not finish under the mock runtime:\n${tail(stderr)}`, stderr);
    }
    const result = JSON.parse(fs.readFileSync(request.outFile, "utf8")) as StackRun | { error: string };
    if ("error" in result) throw new StackRunError(result.error, stderr);
    return result;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
