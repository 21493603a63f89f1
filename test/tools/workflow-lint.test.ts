/**
 * The project's workflows against the GitHub Actions schema and the workflow lint, and the lint against planted
 * problems. Problem workflows are generated here (secret NAMES only, never values), one problem per job, so each
 * assertion names exactly the finding it expects.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { sarifErrors } from "../../devtools/sarif-validator";
import { memoryIo } from "../../tools/cli/io";
import { run } from "../../tools/workflow-lint/cli";
import { formatFinding, lintWorkflowFile, lintWorkflowText } from "../../tools/workflow-lint/lint";
import type { LintFinding } from "../../tools/workflow-lint/rules";

const repoRoot = resolve(__dirname, "..", "..");
const workflowsDir = join(repoRoot, ".github", "workflows");
const CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";
const AWS_LOGIN = "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502";
const AZURE_LOGIN = "azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5";

/** `${{ expr }}` without writing the expression syntax into this file's template literals by accident. */
const expr = (inner: string) => "${{ " + inner + " }}";

function summary(findings: LintFinding[]) {
  return findings.map(({ rule, job, step, line }) => ({ rule, job, step, line }));
}

describe("CI workflows", () => {
  const files = readdirSync(workflowsDir).filter((file) => file.endsWith(".yml"));

  it("has the pull-request, plan-comment, deploy and worker-image workflows", () => {
    for (const name of ["pull-request.yml", "plan-comment.yml", "deploy.yml", "worker-image.yml"])
      assert.ok(files.includes(name), `${name} is missing`);
  });

  it("runs pull-request code with no token that can write, and posts the comment without running any", () => {
    const pullRequest = parse(readFileSync(join(workflowsDir, "pull-request.yml"), "utf8")) as {
      jobs: Record<string, { permissions?: Record<string, string> }>;
    };
    for (const [id, job] of Object.entries(pullRequest.jobs)) {
      const writes = Object.entries(job.permissions ?? {}).filter(
        ([scope, level]) => level === "write" && scope !== "id-token",
      );
      assert.deepEqual(writes, [], `job ${id} of pull-request.yml can write`);
    }
    // plan-comment.yml: only the base branch's code runs (no checkout of the head), and the job that can write runs
    // none at all (test/tools/plan/plan-comment.test.ts checks it step by step).
    const comment = readFileSync(join(workflowsDir, "plan-comment.yml"), "utf8");
    assert.doesNotMatch(
      comment,
      /pull_request_target|head_sha\s*}}\s*\n\s*path|ref:\s*\$\{\{\s*github\.event\.workflow_run/,
    );
  });

  it("sends the gate's and the lint's SARIF to code scanning from a job that runs no pull-request code", () => {
    const pullRequest = readFileSync(join(workflowsDir, "pull-request.yml"), "utf8");
    assert.match(pullRequest, /npm run lint-workflows -- \.github --sarif \.local\/sarif\/lint-workflows\.sarif/);
    assert.match(pullRequest, /--sarif "\.local\/sarif\/plan-\$stack\.sarif"/);
    assert.equal((pullRequest.match(/name: sarif-/g) ?? []).length, 2, "both SARIF artifacts are kept");
    const comment = parse(readFileSync(join(workflowsDir, "plan-comment.yml"), "utf8")) as {
      jobs: Record<
        string,
        { permissions: Record<string, string>; steps: { uses?: string; with?: Record<string, string> }[] }
      >;
    };
    const upload = comment.jobs["code-scanning"]!;
    assert.deepEqual(upload.permissions, { actions: "read", "pull-requests": "read", "security-events": "write" });
    const sarifStep = upload.steps.find((step) => step.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
    assert.match(sarifStep.uses!, /@[0-9a-f]{40}$/);
    assert.equal(sarifStep.with!.ref, "refs/pull/${{ steps.pr.outputs.number }}/head");
  });

  for (const file of files) {
    it(`${file} validates against the GitHub Actions workflow schema`, () => {
      const state = validateWorkflow(readFileSync(join(workflowsDir, file), "utf8"));
      assert.deepEqual(state.errors, []);
    });

    it(`${file} passes the workflow lint`, () => {
      const findings = lintWorkflowFile(join(workflowsDir, file), repoRoot);
      assert.deepEqual(findings.map(formatFinding), []);
    });

    it(`${file} uses no secret but GITHUB_TOKEN and grants id-token only to jobs that log in`, () => {
      const text = readFileSync(join(workflowsDir, file), "utf8");
      const secrets = [...text.matchAll(/secrets\.([A-Za-z_]+)/g)].map((match) => match[1]);
      assert.deepEqual(
        [...new Set(secrets)].filter((name) => name !== "GITHUB_TOKEN"),
        [],
      );
      assert.doesNotMatch(
        text,
        /^permissions:\s*(write-all|\n\s+id-token)/m,
        "workflow-level permissions must stay empty",
      );
    });
  }
});

describe("workflow lint", () => {
  it("accepts an OIDC workflow with pinned actions and non-credential secrets", () => {
    const text = [
      "on: push",
      "permissions: {}",
      "jobs:",
      "  deploy:",
      "    runs-on: ubuntu-latest",
      "    permissions: { contents: read, id-token: write }",
      "    steps:",
      `      - uses: ${CHECKOUT} # v4.2.2`,
      `      - uses: ${AWS_LOGIN}`,
      "        with:",
      `          role-to-assume: ${expr("vars.AWS_DEPLOY_ROLE_ARN")}`,
      "          aws-region: eu-west-1",
      `      - run: echo done`,
      "        env:",
      `          GH_TOKEN: ${expr("secrets.GITHUB_TOKEN")}`,
      `          HOOK: ${expr("secrets.SLACK_WEBHOOK_URL")}`,
    ].join("\n");
    assert.deepEqual(lintWorkflowText(text, "ok.yml"), []);
  });

  it("catches each planted problem with its file, job, step, line and fix", () => {
    const text = [
      "on: push", //                                                         1
      "permissions:", //                                                     2
      "  contents: read", //                                                 3
      "jobs:", //                                                            4
      "  keys-in-env:", //                                                   5
      "    runs-on: ubuntu-latest", //                                       6
      "    env:", //                                                         7
      `      AWS_SECRET_ACCESS_KEY: ${expr("secrets.AWS_SECRET_ACCESS_KEY")}`, // 8
      "    steps:", //                                                       9
      "      - run: aws s3 ls", //                                           10
      "  static-aws:", //                                                    11
      "    runs-on: ubuntu-latest", //                                       12
      "    steps:", //                                                       13
      "      - name: AWS with keys", //                                      14
      `        uses: ${AWS_LOGIN}`, //                                       15
      "        with:", //                                                    16
      `          aws-access-key-id: ${expr("vars.KEY_ID")}`, //              17
      `          aws-secret-access-key: ${expr("secrets['DEPLOY_AWS_SECRET_ACCESS_KEY']")}`, // 18
      "          aws-region: eu-west-1", //                                  19
      "  static-azure:", //                                                  20
      "    runs-on: ubuntu-latest", //                                       21
      "    steps:", //                                                       22
      `      - uses: ${AZURE_LOGIN}`, //                                     23
      "        with:", //                                                    24
      `          creds: ${expr("secrets.AZURE_CREDENTIALS")}`, //            25
      "  oidc-without-id-token:", //                                         26
      "    runs-on: ubuntu-latest", //                                       27
      "    steps:", //                                                       28
      "      - name: Azure", //                                              29
      `        uses: ${AZURE_LOGIN}`, //                                     30
      "        with: { client-id: x, tenant-id: y, subscription-id: z }", // 31
      "  unpinned:", //                                                      32
      "    runs-on: ubuntu-latest", //                                       33
      "    steps:", //                                                       34
      "      - uses: actions/checkout@v4", //                                35
      "      - uses: docker://alpine:3.20", //                               36
      "      - uses: ./.github/actions/local", //                            37
    ].join("\n");
    const findings = lintWorkflowText(text, "planted.yml");
    assert.deepEqual(summary(findings), [
      { rule: "cloud-secret", job: "keys-in-env", step: undefined, line: 5 },
      { rule: "cloud-secret", job: "static-aws", step: "AWS with keys", line: 14 },
      { rule: "cloud-secret", job: "static-azure", step: `${AZURE_LOGIN}`, line: 23 },
      { rule: "static-cloud-key", job: "static-aws", step: "AWS with keys", line: 14 },
      { rule: "static-cloud-key", job: "static-aws", step: "AWS with keys", line: 14 },
      { rule: "static-cloud-key", job: "static-azure", step: `${AZURE_LOGIN}`, line: 23 },
      { rule: "login-without-id-token", job: "oidc-without-id-token", step: "Azure", line: 29 },
      { rule: "unpinned-action", job: "unpinned", step: "actions/checkout@v4", line: 35 },
      { rule: "unpinned-action", job: "unpinned", step: "docker://alpine:3.20", line: 36 },
    ]);
    const byRule = (rule: string) =>
      findings
        .filter((finding) => finding.rule === rule)
        .map(formatFinding)
        .join("\n");
    assert.match(
      byRule("cloud-secret"),
      /planted\.yml:5 job "keys-in-env": secrets\.AWS_SECRET_ACCESS_KEY carries a long-lived cloud credential/,
    );
    assert.match(byRule("cloud-secret"), /secrets\.DEPLOY_AWS_SECRET_ACCESS_KEY/);
    assert.match(
      byRule("static-cloud-key"),
      /`aws-access-key-id`[\s\S]*fix: remove the key inputs, pass `role-to-assume`/,
    );
    assert.match(byRule("static-cloud-key"), /`creds` \(Azure\)[\s\S]*fix: remove the secret, pass `client-id`/);
    assert.match(
      byRule("login-without-id-token"),
      /fix: add `permissions: \{ contents: read, id-token: write \}` to job "oidc-without-id-token"/,
    );
    assert.match(
      byRule("unpinned-action"),
      /pinned to `v4`, which can be moved \[unpinned-action\]\n\s+fix: pin the full 40-character commit SHA/,
    );
  });

  it("takes job-level permissions over workflow-level ones, and write-all as granting id-token", () => {
    const workflow = (workflowPermissions: string, jobPermissions: string) =>
      [
        "on: push",
        workflowPermissions,
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-latest",
        jobPermissions,
        "    steps:",
        `      - uses: ${AWS_LOGIN}`,
        "        with: { role-to-assume: arn, aws-region: eu-west-1 }",
      ]
        .filter(Boolean)
        .join("\n");
    const rules = (text: string) => lintWorkflowText(text, "w.yml").map((finding) => finding.rule);
    assert.deepEqual(rules(workflow("permissions:\n  id-token: write", "")), []);
    assert.deepEqual(rules(workflow("permissions: write-all", "")), []);
    assert.deepEqual(rules(workflow("permissions:\n  id-token: write", "    permissions: { contents: read }")), [
      "login-without-id-token",
    ]);
    assert.deepEqual(rules(workflow("permissions: read-all", "")), ["login-without-id-token"]);
    assert.deepEqual(rules(workflow("", "")), ["login-without-id-token"]);
  });

  it("reports schema errors and broken YAML with the place to fix", () => {
    const schema = lintWorkflowText(
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: { id-token: maybe }\n    steps: [{ run: x }]\n",
      "s.yml",
    );
    assert.deepEqual(
      schema.map((finding) => finding.rule),
      ["schema"],
    );
    assert.match(schema[0].message, /\/jobs\/a\/permissions\/id-token/);
    const yaml = lintWorkflowText("on: push\njobs:\n  a: [\n", "y.yml");
    assert.deepEqual(
      yaml.map(({ rule, line }) => ({ rule, line })),
      [{ rule: "yaml", line: 4 }],
    );
  });

  describe("across files and on the command line", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "zerosecrets-workflow-lint-"));
      mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
      mkdirSync(join(dir, ".github", "actions", "login"), { recursive: true });
      writeFileSync(
        join(dir, ".github", "workflows", "called.yml"),
        [
          "on: workflow_call",
          "jobs:",
          "  up:",
          "    runs-on: ubuntu-latest",
          "    permissions: { id-token: write }",
          "    steps:",
          `      - uses: ${AWS_LOGIN}`,
          "        with: { role-to-assume: arn, aws-region: eu-west-1 }",
        ].join("\n"),
      );
      writeFileSync(
        join(dir, ".github", "workflows", "caller.yml"),
        [
          "on: push",
          "permissions: {}",
          "jobs:",
          "  deploy:",
          "    permissions: { contents: read }",
          "    uses: ./.github/workflows/called.yml",
        ].join("\n"),
      );
      writeFileSync(
        join(dir, ".github", "actions", "login", "action.yml"),
        [
          "name: login",
          "description: logs in",
          "runs:",
          "  using: composite",
          "  steps:",
          `    - uses: ${AZURE_LOGIN}`,
          "      with:",
          `        client-secret: ${expr("inputs.secret")}`,
        ].join("\n"),
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("flags a reusable-workflow call that does not grant the id-token its jobs need", () => {
      const findings = lintWorkflowFile(join(dir, ".github", "workflows", "caller.yml"), dir);
      assert.deepEqual(summary(findings), [
        { rule: "login-without-id-token", job: "deploy", step: undefined, line: 4 },
      ]);
      assert.deepEqual(lintWorkflowFile(join(dir, ".github", "workflows", "called.yml"), dir), []);
    });

    it("lints composite actions for static keys but leaves permissions to the calling job", () => {
      const findings = lintWorkflowFile(join(dir, ".github", "actions", "login", "action.yml"), dir);
      assert.deepEqual(
        findings.map((finding) => finding.rule),
        ["static-cloud-key"],
      );
    });

    it("`npm run lint-workflows` prints every finding and exits 1; a wrong path exits 2 with what to pass", async () => {
      const io = memoryIo(dir);
      assert.equal(await run([join(dir, ".github")], io), 1, io.err);
      assert.match(
        io.out,
        /\.github\/workflows\/caller\.yml:4 job "deploy": job "deploy" calls \.\/\.github\/workflows\/called\.yml/,
      );
      assert.match(io.out, /3 file\(s\) checked, 2 finding\(s\)/);
      const missing = memoryIo(dir);
      assert.equal(await run([join(dir, "nope")], missing), 2);
      assert.match(missing.err, /nope does not exist: pass workflow files or directories/);
    });

    it("--only credentials and --severity error gate on what a team has chosen; SARIF and JSON for CI and scripts", async () => {
      const unpinned = join(dir, "unpinned.yml");
      writeFileSync(
        unpinned,
        [
          "on: push",
          "jobs:",
          "  a:",
          "    runs-on: ubuntu-latest",
          "    steps:",
          "      - uses: actions/checkout@v4",
        ].join("\n"),
      );
      const all = memoryIo(dir);
      assert.equal(await run([unpinned], all), 1);
      assert.match(all.out, /\[unpinned-action\]/);
      for (const argv of [
        ["--only", "credentials"],
        ["--severity", "error"],
        ["--only", "credentials", "schema"],
      ]) {
        const io = memoryIo(dir);
        assert.equal(await run([unpinned, ...argv], io), 0, `${argv.join(" ")}: ${io.out}`);
        assert.match(io.out, /1 file\(s\) checked, 0 finding\(s\)/);
      }
      const sarifFile = join(dir, "lint.sarif");
      const json = memoryIo(dir);
      assert.equal(await run([join(dir, ".github"), "--format", "json", "--sarif", sarifFile], json), 1);
      const report = JSON.parse(json.out) as { summary: { errors: number }; findings: { ruleId: string }[] };
      assert.equal(report.summary.errors, 2);
      assert.deepEqual(report.findings.map((f) => f.ruleId).sort(), ["login-without-id-token", "static-cloud-key"]);
      const sarif = JSON.parse(readFileSync(sarifFile, "utf8"));
      assert.deepEqual(sarifErrors(sarif), []);
      assert.equal(sarif.runs[0].results.length, 2);
      assert.equal(
        sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri,
        ".github/actions/login/action.yml",
      );
      const bad = memoryIo(dir);
      assert.equal(await run([unpinned, "--only", "style"], bad), 2);
      assert.match(bad.err, /'style' is invalid\. Allowed choices are credentials, pinning, schema/);
    });
  });

  describe("composite actions against the metadata the runner accepts", () => {
    const lintAction = (lines: string[]) => lintWorkflowText(lines.join("\n"), "action.yml");

    it("accepts inputs with defaults and no `required`, numeric and boolean defaults, `if` and `continue-on-error`", () => {
      const findings = lintAction([
        "name: Setup",
        "description: Sets things up",
        "author: platform",
        "inputs:",
        "  node-version:",
        "    description: Node major version",
        "    default: 22",
        "  cache:",
        "    default: true",
        "  token:",
        "    description: Token to read packages",
        "    required: false",
        "outputs:",
        "  path:",
        "    description: where",
        `    value: ${expr("steps.where.outputs.path")}`,
        "runs:",
        "  using: composite",
        "  steps:",
        "    - id: where",
        "      run: echo path=. >> $GITHUB_OUTPUT",
        "      shell: bash",
        "      continue-on-error: true",
        `    - if: ${expr("inputs.cache == 'true'")}`,
        `      uses: ${CHECKOUT}`,
        "      with:",
        "        fetch-depth: 1",
        "branding:",
        "  icon: lock",
        "  color: green",
      ]);
      assert.deepEqual(findings.map(formatFinding), []);
    });

    it("reports what the runner rejects: a run step without shell, an unknown step key, a bad `using`", () => {
      const findings = lintAction([
        "name: Broken", //                1
        "runs:", //                       2
        "  using: composite", //          3
        "  steps:", //                    4
        "    - run: echo hi", //          5
        "    - uses: ./local", //         6
        "      timeout: 5", //            7
      ]);
      assert.deepEqual(
        findings.map(({ rule, line, message }) => ({ rule, line, message })),
        [
          {
            rule: "schema",
            line: 5,
            message: 'does not match the GitHub Actions action metadata at /runs/steps/0: "shell" is required',
          },
          {
            rule: "schema",
            line: 6,
            message: 'does not match the GitHub Actions action metadata at /runs/steps/1: unknown key "timeout"',
          },
        ],
      );
      const using = lintAction(["name: x", "runs:", "  using: node99x", "  main: index.js"]);
      assert.deepEqual(
        using.map((finding) => finding.message),
        [
          "does not match the GitHub Actions action metadata at /runs/using: must be composite, docker or node<version>",
        ],
      );
    });
  });

  describe("credentials handed to login and registry actions", () => {
    it("reports a secret given to a registry login action or a login command, and leaves GITHUB_TOKEN alone", () => {
      const text = [
        "on: push", //                                                                  1
        "jobs:", //                                                                     2
        "  push:", //                                                                   3
        "    runs-on: ubuntu-latest", //                                                4
        "    steps:", //                                                                5
        "      - name: Docker Hub", //                                                  6
        "        uses: docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772", //  7
        "        with:", //                                                             8
        "          username: octo", //                                                  9
        `          password: ${expr("secrets.DOCKERHUB_TOKEN")}`, //                   10
        "      - name: GHCR", //                                                        11
        "        uses: docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772", //  12
        "        with:", //                                                             13
        "          registry: ghcr.io", //                                               14
        `          password: ${expr("secrets.GITHUB_TOKEN")}`, //                      15
        "      - name: Quay by hand", //                                                16
        `        run: echo "$QUAY" | docker login quay.io -u octo --password-stdin`, // 17
        "        env:", //                                                              18
        `          QUAY: ${expr("secrets.QUAY_ROBOT_TOKEN")}`, //                      19
      ].join("\n");
      const findings = lintWorkflowText(text, "push.yml").filter((finding) => finding.rule === "login-secret");
      assert.deepEqual(summary(findings), [
        { rule: "login-secret", job: "push", step: "Docker Hub", line: 6 },
        { rule: "login-secret", job: "push", step: "Quay by hand", line: 16 },
      ]);
      assert.match(findings[0]!.message, /docker\/login-action \(input `password`\) is given secrets\.DOCKERHUB_TOKEN/);
      assert.match(findings[1]!.message, /`docker login` is given secrets\.QUAY_ROBOT_TOKEN/);
      assert.match(findings[0]!.fix, /GHCR with GITHUB_TOKEN/);
    });
  });
});
