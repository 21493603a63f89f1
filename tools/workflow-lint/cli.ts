/**
 * `npm run lint-workflows -- [files or directories]` (default .github): prints every finding with its
 * file, line, job, step and fix, and exits 1 if there is any. Usable on any repository.
 */
import { Command } from "commander";
import { formatFinding, lintWorkflowFile } from "./lint";
import { workflowFiles } from "./files";

const program = new Command()
  .name("lint-workflows")
  .description(
    "Find long-lived cloud credentials, static-key cloud logins, OIDC logins without id-token and unpinned actions in GitHub Actions workflows",
  )
  .argument("[paths...]", "workflow files or directories (in a directory: workflows and action.yml files)", [".github"])
  .action((paths: string[]) => {
    const files = workflowFiles(paths);
    if (files.length === 0) throw new Error(`no .yml or .yaml files under ${paths.join(", ")}`);
    const findings = files.flatMap((file) => lintWorkflowFile(file));
    for (const finding of findings) console.log(formatFinding(finding));
    console.log(`${files.length} file(s) checked, ${findings.length} finding(s)`);
    process.exitCode = findings.length > 0 ? 1 : 0;
  });

program.parseAsync().catch((error: Error) => {
  console.error(`lint-workflows: ${error.message}`);
  process.exitCode = 2;
});
