/**
 * The CI gate's command line: `plan` (offline plan + policy gate), `diff` (plan files -> PR comment Markdown)
 * and `audit` (policy pack over a `pulumi stack export`). Exit codes: 0 clean, 1 a mandatory violation,
 * 2 bad usage or input (with a message saying what to fix).
 *
 * `buildProgram(io)` returns the commander program and where its exit code lands; `run(argv, io)` runs it, so
 * tests drive the CLI in-process.
 */
import "../cli/compile-cache";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { processIo, type CliIo } from "../cli/io";
import {
  formatOption,
  organizationOption,
  policyConfigOption,
  sarifOption,
  severityOption,
  wholeNumber,
  type ReportOptions,
} from "../cli/options";
import { emitReport, filterBySeverity } from "../cli/output";
import { progressFor } from "../cli/progress";
import { EXIT, main, runProgram, withExitCode, type ExitState } from "../cli/run";
import { readPlanPairs, renderPlanDiff, truncateForComment } from "./diff";
import { readPolicyConfig } from "./policy-config";

interface PlanCommandOptions extends ReportOptions {
  stack: string;
  out?: string;
  projectDir?: string;
  gate: boolean;
  policyConfig?: string;
  organization?: string;
  unknownOutputs?: boolean;
  progress: boolean;
}

/** Fails early, naming what to pass, for a directory without a program or a stack without a stack file. */
function checkProject(projectDir: string, given: string | undefined, stack: string): void {
  if (!existsSync(resolve(projectDir, "Pulumi.yaml"))) {
    throw new Error(
      `${given ?? "this directory"} holds no Pulumi.yaml: pass --project-dir <the directory of a Pulumi program>`,
    );
  }
  if (!existsSync(resolve(projectDir, `Pulumi.${stack}.yaml`))) {
    const stacks = readdirSync(projectDir)
      .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
      .filter(Boolean);
    throw new Error(
      `no Pulumi.${stack}.yaml in ${projectDir}: --stack takes one of ${stacks.join(", ") || "(no stack files found)"}`,
    );
  }
}

export function buildProgram(io: CliIo = processIo()): { program: Command; state: ExitState } {
  const state: ExitState = { code: EXIT.ok };
  const log = (text: string) => io.stdout(`${text}\n`);
  const program = new Command()
    .name("zerosecrets")
    .description("Offline plan, plan diff and stack audit for the zero-secrets CI gate");

  program
    .command("plan")
    .description(
      "run a Pulumi program under the mock runtime as a preview, write the masked plan file, print the tree and run the policy gate",
    )
    .requiredOption("-s, --stack <name>", "stack name (reads Pulumi.<name>.yaml)")
    .option("-o, --out <file>", "plan file to write (default .local/plan-<stack>.json)")
    .option("--project-dir <dir>", "the Pulumi program to plan (another copy of this one, or another project's)")
    .option("--no-gate", "write the plan without running the policy pack (the base branch of a diff)")
    .addOption(
      policyConfigOption(
        "policy configuration, as given to `pulumi preview --policy-pack-config` (this project's stacks default to policy/config.<stack>.json; another project's program gets none unless given)",
      ),
    )
    .addOption(organizationOption())
    .option("--unknown-outputs", "leave the computed outputs of new resources unknown, as `pulumi preview` does")
    .addOption(formatOption())
    .addOption(sarifOption())
    .addOption(severityOption())
    .option("--no-progress", "no progress bar, even on a terminal")
    .action(
      withExitCode(state, async (options: PlanCommandOptions) => {
        const projectDir = resolve(io.cwd, options.projectDir ?? ".");
        checkProject(projectDir, options.projectDir, options.stack);
        // Loaded on demand (a plain require: the CLI runs as CommonJS): `diff` must not pay for the runtime.
        const { runPlan } = require("./plan") as typeof import("./plan");
        // JSON and SARIF go to stdout alone: the tree and the gate's text are for people.
        const text = options.format === "text";
        const outcome = await runPlan({
          stack: options.stack,
          projectDir,
          out: resolve(io.cwd, options.out ?? `.local/plan-${options.stack}.json`),
          gate: options.gate,
          policyConfigFile: options.policyConfig && resolve(io.cwd, options.policyConfig),
          organization: options.organization,
          outputs: options.unknownOutputs ? "unknown" : "mocked",
          baseDir: io.cwd,
          log: (line) => (text ? log(line) : undefined),
          progress: progressFor(io, options.progress),
        });
        if (outcome.report) {
          emitReport(filterBySeverity(outcome.report, options), options, io, {
            text: () => "",
            baseDir: io.cwd,
            details: () => ({
              organization: outcome.run.organization,
              project: outcome.run.project,
              stack: outcome.run.stack,
              planFile: options.out ?? `.local/plan-${options.stack}.json`,
              resources: outcome.plan.resources.length,
              passed: outcome.exitCode === 0,
              providerFunctions: outcome.run.calls.map(({ token, kind }) => ({ token, answer: kind })),
            }),
          });
        } else if (!text) {
          io.stdout(`${JSON.stringify({ project: outcome.run.project, stack: outcome.run.stack, gate: "skipped" })}\n`);
        }
        return outcome.exitCode;
      }),
    );

  program
    .command("diff")
    .description(
      "compare plan files and print Markdown for a pull-request comment; pairs of <base> <pull-request> files, one pair per stack",
    )
    .argument("<plans...>", "base.json pr.json [base2.json pr2.json ...]")
    .option("--allow-missing-base", "treat a missing base plan as empty (a stack the base branch cannot plan)")
    .addOption(
      new Option("--max-length <characters>", "cut the Markdown to fit a comment (GitHub's limit is 65536)").argParser(
        wholeNumber(200, "--max-length"),
      ),
    )
    .action(
      withExitCode(state, (plans: string[], options: { allowMissingBase?: boolean; maxLength?: number }) => {
        const files = plans.map((file) => resolve(io.cwd, file));
        const markdown = renderPlanDiff(readPlanPairs(files, options.allowMissingBase ?? false));
        io.stdout(
          options.maxLength === undefined
            ? markdown
            : truncateForComment(
                markdown,
                options.maxLength,
                "the whole diff is in the job summary and the offline-plans artifact",
              ),
        );
        return EXIT.ok;
      }),
    );

  program
    .command("audit")
    .description(
      "run the policy pack over a `pulumi stack export` file (deployment version 3); exits 1 on a mandatory finding",
    )
    .argument("<export>", "file written by `pulumi stack export --file <export>`")
    .addOption(policyConfigOption("policy configuration, as given to `pulumi preview --policy-pack-config`"))
    .addOption(formatOption())
    .addOption(sarifOption())
    .addOption(severityOption())
    .option("--no-progress", "no progress bar, even on a terminal")
    .action(
      withExitCode(
        state,
        async (file: string, options: ReportOptions & { policyConfig?: string; progress: boolean }) => {
          const { runAudit } = require("./audit") as typeof import("./audit");
          const policyConfig = options.policyConfig
            ? readPolicyConfig(resolve(io.cwd, options.policyConfig))
            : undefined;
          let text = "";
          const outcome = await runAudit(resolve(io.cwd, file), (line) => (text += `${line}\n`), {
            policyConfig,
            baseDir: io.cwd,
            progress: progressFor(io, options.progress),
          });
          emitReport(filterBySeverity(outcome.report, options), options, io, {
            text: () => text,
            baseDir: io.cwd,
            details: () => ({ export: file, resources: outcome.resourceCount, passed: outcome.exitCode === 0 }),
          });
          return outcome.exitCode;
        },
      ),
    );

  return { program, state };
}

/** Runs the CLI with user arguments (`plan --stack dev`); resolves with the exit code. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const { program, state } = buildProgram(io);
  return runProgram(program, state, argv, io);
}

if (require.main === module) main((argv) => run(argv));
