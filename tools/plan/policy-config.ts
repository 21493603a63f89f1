/**
 * Which policy configuration (enforcement levels, allow-lists such as the read-only identities that may admit pull
 * requests) a plan or audit runs with, in the `pulumi preview --policy-pack-config` format.
 *
 * This project's own stacks use `policy/config.<stack>.json`, the same file its workflows give
 * `pulumi preview|up --policy-pack-config`. Another project's program gets no configuration unless one is passed
 * with `--policy-config`: this project's allow-lists name this project's identities and must not excuse anyone
 * else's (a foreign stack called `dev` is not our dev stack).
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface PolicyConfigChoice {
  file?: string;
  config?: Record<string, unknown>;
  /** Why this configuration (for the plan's output). */
  reason: string;
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export function choosePolicyConfig(options: { projectDir: string; stack: string; file?: string }): PolicyConfigChoice {
  if (options.file) return { file: options.file, config: readPolicyConfig(options.file), reason: "--policy-config" };
  const own = resolve(REPO_ROOT, "policy", `config.${options.stack}.json`);
  if (sameDirectory(options.projectDir, REPO_ROOT)) {
    return existsSync(own)
      ? { file: own, config: readPolicyConfig(own), reason: `this project's ${options.stack} stack` }
      : { reason: `none (no policy/config.${options.stack}.json)` };
  }
  return { reason: "none: another project's program gets this pack's defaults unless --policy-config names a file" };
}

/** The pack checks the content against each policy's schema when it is configured; here only that it is a JSON object. */
export function readPolicyConfig(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(
      `policy configuration ${file}: ${(error as Error).message}; pass a JSON file in the --policy-pack-config format`,
      { cause: error },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(
      `policy configuration ${file}: expected a JSON object such as { "all": "mandatory", "<policy>": { ... } }`,
    );
  }
  return parsed as Record<string, unknown>;
}
