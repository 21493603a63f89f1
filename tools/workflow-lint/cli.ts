/**
 * `npm run lint-workflows -- [files or directories]` (default .github): prints every finding with its file, line,
 * job, step and fix, and exits 1 if there is any (at the chosen severity, in the chosen categories). Usable on any
 * repository. `--only credentials` gates on credentials alone, so a team can adopt it before pinning every action.
 */
import "../cli/compile-cache";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { processIo, type CliIo } from "../cli/io";
import { formatOption, sarifOption, severityOption, type ReportOptions } from "../cli/options";
import { emitReport } from "../cli/output";
import { atLeast } from "../report/finding";
import { progressFor } from "../cli/progress";
import { EXIT, main, runProgram, withExitCode, type ExitState } from "../cli/run";
import { workflowFiles } from "./files";
import { formatFinding, lintReport, lintWorkflowFile } from "./lint";
import { RULE_INFO, type LintFinding, type RuleCategory } from "./rules";

const CATEGORIES: RuleCategory[] = ["credentials", "pinning", "schema"];

interface LintOptions extends ReportOptions {
  only?: RuleCategory[];
  progress: boolean;
}

export function buildProgram(io: CliIo = processIo()): { program: Command; state: ExitState } {
  const state: ExitState = { code: EXIT.ok };
  const program = new Command()
    .name("lint-workflows")
    .description(
      "Find long-lived cloud credentials, credentials handed to logins, static-key cloud logins, OIDC logins without id-token and unpinned actions in GitHub Actions workflows and actions",
    )
    .argument("[paths...]", "workflow files or directories (in a directory: workflows and action.yml files)", [
      ".github",
    ])
    .addOption(
      new Option("--only <categories...>", "report only these kinds of finding: credentials, pinning, schema").choices(
        CATEGORIES,
      ),
    )
    .addOption(severityOption())
    .addOption(formatOption())
    .addOption(sarifOption())
    .option("--no-progress", "no progress bar, even on a terminal")
    .action(
      withExitCode(state, (paths: string[], options: LintOptions) => {
        const files = workflowFiles(paths.map((path) => resolve(io.cwd, path)));
        if (files.length === 0) throw new Error(`no .yml or .yaml files under ${paths.join(", ")}`);
        const progress = progressFor(io, options.progress);
        progress.start("Linting workflows", files.length);
        const all: LintFinding[] = [];
        files.forEach((file, index) => {
          all.push(...lintWorkflowFile(file, io.cwd));
          progress.update(index + 1);
        });
        progress.stop();
        const only = options.only ?? CATEGORIES;
        const kept = all.filter(
          (finding) =>
            only.includes(RULE_INFO[finding.rule].category) &&
            atLeast(RULE_INFO[finding.rule].severity, options.severity),
        );
        const report = lintReport(kept);
        emitReport(report, options, io, {
          baseDir: io.cwd,
          text: () =>
            [...kept.map(formatFinding), `${files.length} file(s) checked, ${kept.length} finding(s)`]
              .map((line) => `${line}\n`)
              .join(""),
          details: () => ({ files: files.length, categories: only }),
        });
        return report.findings.length > 0 ? EXIT.findings : EXIT.ok;
      }),
    );
  return { program, state };
}

export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const { program, state } = buildProgram(io);
  return runProgram(program, state, argv, io);
}

if (require.main === module) main((argv) => run(argv));
