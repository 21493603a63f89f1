/**
 * The CI gate's command line: `plan` (offline plan + policy gate), `diff` (plan files -> PR comment Markdown)
 * and `audit` (policy pack over a `pulumi stack export`). Exit codes: 0 clean, 1 a mandatory violation,
 * 2 bad usage or input (with a message saying what to fix).
 */
import { resolve } from "node:path";
import { Command } from "commander";
import { existsSync, readdirSync } from "node:fs";
import { readPlanPairs, renderPlanDiff, truncateForComment } from "./diff";
import { readPolicyConfig } from "./policy-config";

const log = (text: string) => console.log(text);

const program = new Command()
  .name("zerosecrets")
  .description("Offline plan, plan diff and stack audit for the zero-secrets CI gate");

program
  .command("plan")
  .description(
    "plan a stack under the Pulumi mock runtime, write the masked plan file, print the tree and run the policy gate",
  )
  .requiredOption("-s, --stack <name>", "stack name (reads Pulumi.<name>.yaml)")
  .option("-o, --out <file>", "plan file to write (default .local/plan-<stack>.json)")
  .option("--project-dir <dir>", "another copy of the Pulumi program to plan")
  .option("--no-gate", "write the plan without running the policy pack (the base branch of a diff)")
  .option(
    "--policy-config <file>",
    "policy configuration, as given to `pulumi preview --policy-pack-config` (default policy/config.<stack>.json when it exists)",
  )
  .action(
    async (options: { stack: string; out?: string; projectDir?: string; gate: boolean; policyConfig?: string }) => {
      const projectDir = resolve(options.projectDir ?? ".");
      if (!existsSync(resolve(projectDir, "Pulumi.yaml"))) {
        throw new Error(
          `${options.projectDir ?? "this directory"} holds no Pulumi.yaml: pass --project-dir <the directory of a Pulumi program>`,
        );
      }
      if (!existsSync(resolve(projectDir, `Pulumi.${options.stack}.yaml`))) {
        const stacks = readdirSync(projectDir)
          .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
          .filter(Boolean);
        throw new Error(
          `no Pulumi.${options.stack}.yaml in ${projectDir}: --stack takes one of ${stacks.join(", ") || "(no stack files found)"}`,
        );
      }
      // Loaded on demand: `diff` must not pay for the Pulumi runtime and the policy gate.
      const { runPlan } = await import("./plan");
      const outcome = await runPlan({
        stack: options.stack,
        projectDir: options.projectDir && projectDir,
        out: options.out ?? `.local/plan-${options.stack}.json`,
        gate: options.gate,
        policyConfigFile: options.policyConfig,
        log,
      });
      process.exitCode = outcome.exitCode;
    },
  );

program
  .command("diff")
  .description(
    "compare plan files and print Markdown for a pull-request comment; pairs of <base> <pull-request> files, one pair per stack",
  )
  .argument("<plans...>", "base.json pr.json [base2.json pr2.json ...]")
  .option("--allow-missing-base", "treat a missing base plan as empty (a stack the base branch cannot plan)")
  .option("--max-length <characters>", "cut the Markdown to fit a comment (GitHub's limit is 65536)")
  .action((plans: string[], options: { allowMissingBase?: boolean; maxLength?: string }) => {
    const markdown = renderPlanDiff(readPlanPairs(plans, options.allowMissingBase ?? false));
    if (options.maxLength === undefined) return void process.stdout.write(markdown);
    const maxLength = Number(options.maxLength);
    if (!Number.isInteger(maxLength) || maxLength < 200)
      throw new Error(`--max-length takes a whole number of characters (200 or more), got ${options.maxLength}`);
    process.stdout.write(
      truncateForComment(markdown, maxLength, "the whole diff is in the job summary and the offline-plans artifact"),
    );
  });

program
  .command("audit")
  .description(
    "run the policy pack over a `pulumi stack export` file (deployment version 3); exits 1 on a mandatory finding",
  )
  .argument("<export>", "file written by `pulumi stack export --file <export>`")
  .option("--policy-config <file>", "policy configuration, as given to `pulumi preview --policy-pack-config`")
  .action(async (file: string, options: { policyConfig?: string }) => {
    const { runAudit } = await import("./audit");
    const policyConfig = options.policyConfig ? readPolicyConfig(options.policyConfig) : undefined;
    process.exitCode = (await runAudit(file, log, { policyConfig })).exitCode;
  });

program.parseAsync().catch((error: Error) => {
  console.error(`error: ${error.message}`);
  process.exitCode = 2;
});
