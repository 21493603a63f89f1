/** Expands the command line's files and directories into workflow files, in a stable order. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const WORKFLOW_FILE = /\.ya?ml$/;

export function workflowFiles(paths: string[]): string[] {
  const files = paths.flatMap((path) => {
    if (!existsSync(path)) throw new Error(`${path} does not exist: pass workflow files or directories such as .github/workflows`);
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path, { recursive: true, encoding: "utf8" })
      .filter((entry) => WORKFLOW_FILE.test(entry))
      .map((entry) => join(path, entry));
  });
  return [...new Set(files)].sort();
}
