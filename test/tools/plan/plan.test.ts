/**
 * `plan` end to end: the project's dev and prod stacks under the mock runtime, through the policy pack over the
 * Analyzer protocol (both must pass), and a copy of the program under `.local/` with planted static secrets (an
 * IAM access key, an Entra application password, cloud credentials in an ECS task's environment; values
 * generated here at run time) that must fail with each resource named and no value printed or written.
 */
import { REPO_ROOT } from "../../../devtools/repo-root";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { runPlan, type PlanOutcome } from "../../../tools/plan/plan";
import { readPlanPairs, renderPlanDiff } from "../../../tools/plan/diff";
import { renderUntrustedComment } from "../../../tools/plan/comment";
import { fake } from "../../../devtools/policy-fixtures/fixtures";
import { copyProgram } from "../../../devtools/program-copy";

const repoRoot = REPO_ROOT;
/** The program with its stack files and manifests (`copyProgram` knows what the program imports). */
const STACK_FILES = ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "package.json", "tsconfig.json"];

async function plan(
  stack: string,
  out: string,
  projectDir?: string,
): Promise<{ outcome: PlanOutcome; output: string }> {
  let output = "";
  const outcome = await runPlan({ stack, projectDir, out, gate: true, log: (text) => (output += `${text}\n`) });
  return { outcome, output };
}

describe("offline plan and policy gate", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    mkdirSync(join(repoRoot, ".local"), { recursive: true });
    dir = mkdtempSync(join(repoRoot, ".local", "plan-test-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const stack of ["dev", "prod"]) {
    it(`plans the ${stack} stack, prints the tree and passes the gate`, async () => {
      const out = join(dir, `plan-${stack}.json`);
      const { outcome, output } = await plan(stack, out);
      assert.equal(outcome.exitCode, 0, output);
      assert.deepEqual(
        outcome.gate!.diagnostics.filter((d) => d.enforcementLevel === "mandatory"),
        [],
      );
      const written = JSON.parse(readFileSync(out, "utf8"));
      assert.equal(written.stack, stack);
      assert.ok(written.resources.length > 10, `only ${written.resources.length} resources planned`);
      assert.ok(written.resources.some((r: { type: string }) => r.type === "aws:iam/role:Role"));
      // The tree nests resources under their components, as `pulumi preview` does.
      assert.match(output, /^ \+ {3}pulumi:pulumi:Stack\s+\S+$/m);
      assert.match(output, /^ \+ {3}[│ ]*[├└]─ zerosecrets:/m);
      assert.match(output, /^ \+ {3}[│ ]+[├└]─ aws:iam\/role:Role/m);
      assert.match(output, /Gate: passed/);
      // Deterministic: the same program gives the same bytes.
      if (stack === "dev") {
        const again = join(dir, "plan-dev-again.json");
        await runPlan({ stack, out: again, gate: false, log: () => undefined });
        assert.equal(readFileSync(again, "utf8"), readFileSync(out, "utf8"));
      }
    });
  }

  it("fails a copy of the program with planted static secrets, naming each resource, printing no value", async () => {
    const copy = join(dir, "program");
    copyProgram(copy, STACK_FILES);
    const awsSecret = fake.awsSecretAccessKey();
    const entraSecret = fake.entraClientSecret();
    // The Azure Functions storage setting (AzureWebJobsStorage) with an account key: issue 11 found it passed the
    // gate, was written in clear to the plan file and mostly printed into the comment.
    const storageKey = Buffer.from(fake.awsSecretAccessKey() + fake.awsSecretAccessKey()).toString("base64");
    const connection = `DefaultEndpointsProtocol=https;AccountName=zsfunc;AccountKey=${storageKey};EndpointSuffix=core.windows.net`;
    appendFileSync(
      join(copy, "index.ts"),
      [
        "",
        "// Planted by test/tools/plan/plan.test.ts: every kind of static secret the gate must stop.",
        'const plantedIam = require("@pulumi/aws/iam");',
        'const plantedEcs = require("@pulumi/aws/ecs");',
        'const plantedAzuread = require("@pulumi/azuread");',
        'const plantedWeb = require("@pulumi/azure-native/web");',
        'new plantedWeb.WebApp("planted-functions", { resourceGroupName: "rg", serverFarmId: "plan",',
        `  siteConfig: { appSettings: [{ name: "AzureWebJobsStorage", value: ${JSON.stringify(connection)} }] } });`,
        'new plantedIam.AccessKey("planted-access-key", { user: "ci-deployer" });',
        'new plantedAzuread.ApplicationPassword("planted-app-password", { applicationId: "/applications/00000000-0000-4000-8000-000000000001", displayName: "ci" });',
        'new plantedEcs.TaskDefinition("planted-task", {',
        '  family: "planted",',
        "  containerDefinitions: JSON.stringify([{",
        '    name: "worker", image: "worker:1", essential: true,',
        `    environment: [{ name: "AWS_SECRET_ACCESS_KEY", value: ${JSON.stringify(awsSecret)} }, { name: "AZURE_CLIENT_SECRET", value: ${JSON.stringify(entraSecret)} }],`,
        "  }]),",
        "});",
        "",
      ].join("\n"),
    );
    const out = join(dir, "plan-planted.json");
    const { outcome, output } = await plan("dev", out, copy);
    assert.equal(outcome.exitCode, 1, output);
    const flagged = new Set(
      outcome.gate!.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => d.urn.split("::").pop()),
    );
    for (const name of ["planted-access-key", "planted-app-password", "planted-task", "planted-functions"])
      assert.ok(flagged.has(name), `${name} was not flagged:\n${output}`);
    assert.match(output, /✗ \[mandatory\] \S+\s+aws:iam\/accessKey:AccessKey "planted-access-key"/);
    assert.match(output, /Gate: FAILED/);
    const written = readFileSync(out, "utf8");
    // The diff Markdown (`npm run diff`) and the comment the base branch renders from the plan, new stack as base.
    const diff = renderPlanDiff(readPlanPairs([join(dir, "no-base.json"), out], true));
    const artifact = join(dir, "artifact");
    mkdirSync(artifact, { recursive: true });
    cpSync(out, join(artifact, "plan-pr-dev.json"));
    const comment = await renderUntrustedComment({ dir: artifact, stacks: ["dev"], headSha: "0123456" });
    assert.match(comment, /planted-functions/);
    for (const value of [awsSecret, entraSecret, storageKey, storageKey.slice(0, 24)]) {
      assert.ok(!output.includes(value), "plan printed a secret value");
      assert.ok(!written.includes(value), "plan wrote a secret value to the plan file");
      assert.ok(!diff.includes(value), "the diff holds a secret value");
      assert.ok(!comment.includes(value), "the comment holds a secret value");
    }
    assert.match(written, /\[secret\]/);
    assert.match(written, /"AzureWebJobsStorage"[\s\S]{0,80}"\[secret\]"/);
  });

  it("stops on a bad stack file with the program's own message naming the stack and the key", async () => {
    const copy = join(dir, "bad-config");
    copyProgram(copy, STACK_FILES);
    const stackFile = join(copy, "Pulumi.dev.yaml");
    const text = readFileSync(stackFile, "utf8");
    assert.match(text, /maxSessionDuration: 3600/);
    writeFileSync(stackFile, text.replace("maxSessionDuration: 3600", "maxSessionDuration: 99999"));
    await assert.rejects(
      runPlan({ stack: "dev", projectDir: copy, out: join(dir, "never.json"), gate: false, log: () => undefined }),
      /dev[\s\S]*maxSessionDuration/,
    );
    assert.ok(!existsSync(join(dir, "never.json")), "no plan file is written for a program that did not run");
  });

  it("refuses a stack without a stack file and a directory without a program, saying what to pass", () => {
    const cli = join(repoRoot, "tools", "plan", "cli.ts");
    const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
    const stack = spawnSync(tsx, [cli, "plan", "--stack", "staging"], { cwd: repoRoot, encoding: "utf8" });
    assert.equal(stack.status, 2);
    assert.match(stack.stderr, /no Pulumi\.staging\.yaml in .*: --stack takes one of dev, prod/);
    const project = spawnSync(tsx, [cli, "plan", "--stack", "dev", "--project-dir", dir], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    assert.equal(project.status, 2);
    assert.match(project.stderr, /holds no Pulumi\.yaml: pass --project-dir <the directory of a Pulumi program>/);
  });
});
