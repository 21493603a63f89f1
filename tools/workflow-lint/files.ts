/**
 * Expands the command line's files and directories into workflow files, in a stable order. In a directory,
 * only workflows (`…/workflows/*.yml`) and composite actions (`action.yml`) count: `.github` also holds
 * dependabot.yml, issue templates and other YAML that is not a workflow.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const YAML_FILE = /\.ya?ml$/;

function isWorkflowOrAction(file: string): boolean {
  return /^action\.ya?ml$/.test(basename(file)) || (YAML_FILE.test(file) && basename(dirname(file)) === "workflows");
}

export function workflowFiles(paths: string[]): string[] {
  const files = paths.flatMap((path) => {
    if (!existsSync(path))
      throw new Error(`${path} does not exist: pass workflow files or directories such as .github/workflows`);
    if (!statSync(path).isDirectory()) return [path];
    const inDirectory = readdirSync(path, { recursive: true, encoding: "utf8" }).map((entry) => join(path, entry));
    // A directory of YAML passed on purpose (`lint-workflows ci/`) is taken whole.
    const yaml = inDirectory.filter((file) => YAML_FILE.test(file));
    const recognised = yaml.filter(isWorkflowOrAction);
    return recognised.length > 0 ? recognised : yaml;
  });
  return [...new Set(files)].sort();
}
