// `.env` for local runs: read when present (Node's own parser, util.parseEnv, the one behind
// `node --env-file`), never overriding a variable already set, and reported: which file, which
// names it set, which it left alone. The values go through the same validation as any other, so a
// static credential in the file is refused exactly like one in the shell.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";

export interface DotEnvLoad {
  /** Absolute path of the file read; undefined when there was none. */
  readonly file?: string;
  /** Names the file set. */
  readonly loaded: readonly string[];
  /** Names the file holds that were already set, and so kept as they were. */
  readonly kept: readonly string[];
}

export function loadDotEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd(), name = ".env"): DotEnvLoad {
  const file = resolve(cwd, name);
  if (!existsSync(file)) return { loaded: [], kept: [] };
  const values = parseEnv(readFileSync(file, "utf8"));
  const loaded: string[] = [];
  const kept: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (env[key] !== undefined) kept.push(key);
    else {
      env[key] = value;
      loaded.push(key);
    }
  }
  return { file, loaded, kept };
}

/** One line for stderr saying what was loaded from where. */
export function describeDotEnv(load: DotEnvLoad): string | undefined {
  if (load.file === undefined) return undefined;
  const kept = load.kept.length > 0 ? `; already set, so kept: ${load.kept.join(", ")}` : "";
  return `Loaded ${load.loaded.length} variable(s) from ${load.file}${kept}`;
}
