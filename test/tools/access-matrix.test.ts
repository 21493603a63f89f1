// The workflow ↔ trust contract: the jobs of the repository's own workflows against every role trust policy and
// federated credential the dev and prod stacks create. Every job that logs in is admitted; the fork, branch,
// environment and repository impostors are denied by every identity; and each mistake of issue 10 is caught.
import { strict as assert } from "node:assert";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../../tools/access-matrix/cli";
import { loadStackFacts, type AwsRoleIdentity, type StackFacts } from "../../tools/access-matrix/identities";
import { buildMatrix } from "../../tools/access-matrix/matrix";
import { jobRuns, tokenClaims, triggerContexts } from "../../tools/access-matrix/runs";
import { readWorkflows } from "../../tools/access-matrix/workflows";

const ROOT = resolve(__dirname, "..", "..");
const PREFIX = "token.actions.githubusercontent.com";
/** The push job of the original worker-image.yml: it assumed each environment's deploy role from its own file. */
const DEPLOY_ROLE_PUSH_JOB = `name: worker-image
on:
  push:
    branches: [main]
permissions: {}
jobs:
  push:
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        environment: [dev, prod]
    environment: \${{ matrix.environment }}
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: \${{ vars.AWS_DEPLOY_ROLE_ARN }}
          aws-region: \${{ vars.AWS_REGION }}
`;

describe("audit:access (workflows × trust policies)", function () {
  this.timeout(120_000);
  let stacks: StackFacts[];

  before(async () => {
    stacks = await loadStackFacts(ROOT, ["dev", "prod"]);
  });

  const identities = () => stacks.flatMap((s) => s.identities);
  const matrixOf = async (workflowsDir = join(ROOT, ".github", "workflows"), facts = stacks) =>
    buildMatrix(
      await jobRuns(readWorkflows(ROOT, workflowsDir), facts, facts[0]!.repository),
      facts.flatMap((s) => s.identities),
    );

  /** The stacks with one role's trust policy changed. */
  const withTrust = (
    roleName: string,
    change: (condition: Record<string, Record<string, unknown>>) => void,
  ): StackFacts[] =>
    stacks.map((s) => ({
      ...s,
      identities: s.identities.map((i) => {
        if (i.kind !== "aws" || i.name !== roleName) return i;
        const trust = structuredClone(i.trustPolicy) as {
          Statement: Array<{ Condition: Record<string, Record<string, unknown>> }>;
        };
        change(trust.Statement[0]!.Condition);
        return { ...i, trustPolicy: trust } satisfies AwsRoleIdentity;
      }),
    }));

  /** A copy of the repository's workflows with one file added or replaced. */
  function workflowsWith(file: string, text: string): string {
    const dir = mkdtempSync(join(tmpdir(), "workflows-"));
    cpSync(join(ROOT, ".github", "workflows"), dir, { recursive: true });
    writeFileSync(join(dir, file), text);
    return dir;
  }

  it("prints the matrix for both stacks and exits 0: every job that logs in is admitted, every impostor denied", async () => {
    const out: string[] = [];
    const code = await main([], { out: (t) => out.push(t), err: (t) => out.push(t) });
    const text = out.join("\n");
    assert.equal(code, 0, text);
    assert.match(text, /^Stack dev: job × identity/m);
    assert.match(text, /^Stack prod: job × identity/m);
    assert.match(text, /No finding: every job that logs in is admitted/);

    const matrix = await matrixOf();
    assert.deepEqual(matrix.findings, []);
    const used = matrix.rows
      .filter((row) => row.run.impostor === undefined)
      .flatMap((row) => row.cells.filter((c) => c.used).map((c) => `${row.run.label} → ${c.identity.name}`));
    for (const expected of [
      "deploy.yml › dev → pulumi.yml › pulumi → zs-dev-github-deploy",
      "deploy.yml › dev → pulumi.yml › pulumi → zs-dev-azure-deploy-app",
      "deploy.yml › prod → pulumi.yml › pulumi → zs-prod-github-deploy",
      "deploy.yml › prod → pulumi.yml › pulumi → zs-prod-azure-deploy-app",
      "pull-request.yml › preview → pulumi.yml › pulumi → zs-dev-github-preview",
      "pull-request.yml › preview → pulumi.yml › pulumi → zs-dev-azure-preview-app",
    ])
      assert.ok(used.includes(expected), `${expected} is not among ${used.join(" | ")}`);
    for (const row of matrix.rows.filter((r) => r.run.impostor === undefined))
      for (const cell of row.cells.filter((c) => c.used)) assert.ok(cell.admitted, `${row.run.label}: ${cell.why}`);
    // Impostors of every kind, denied by every identity of both stacks.
    const impostors = matrix.rows.filter((r) => r.run.impostor !== undefined);
    assert.deepEqual([...new Set(impostors.map((r) => r.run.impostor!.kind))].sort(), [
      "branch",
      "environment",
      "fork",
      "repository",
    ]);
    for (const row of impostors)
      for (const cell of row.cells)
        assert.equal(cell.admitted, false, `${row.run.label} ${row.run.impostor!.description}: ${cell.why}`);
    assert.equal(identities().length, 8);
  });

  it("derives the claims GitHub issues: called workflows at the caller's ref, refs/pull/N/merge in a pull request", async () => {
    const workflows = readWorkflows(ROOT);
    const repository = stacks[0]!.repository;
    const pullRequest = triggerContexts(workflows.get(".github/workflows/pull-request.yml")!)[0]!;
    const claims = tokenClaims(
      repository,
      workflows.get(".github/workflows/pull-request.yml")!,
      workflows.get(".github/workflows/pulumi.yml")!,
      pullRequest,
      undefined,
    );
    assert.equal(claims.sub, "repo:contoso/zero-secrets-stack:pull_request");
    assert.equal(claims.ref, "refs/pull/1/merge");
    assert.equal(claims.job_workflow_ref, "contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/pull/1/merge");
    assert.equal(
      claims.workflow_ref,
      "contoso/zero-secrets-stack/.github/workflows/pull-request.yml@refs/pull/1/merge",
    );
    assert.equal(claims.event_name, "pull_request");
    assert.equal(claims.repository_id, "876543210");
    const push = triggerContexts(workflows.get(".github/workflows/deploy.yml")!).find((c) => c.event === "push")!;
    const immutable = tokenClaims(
      { ...repository, subjectFormat: "immutable" },
      workflows.get(".github/workflows/deploy.yml")!,
      workflows.get(".github/workflows/pulumi.yml")!,
      push,
      "prod",
    );
    assert.equal(immutable.sub, "repo:contoso@1234567/zero-secrets-stack@876543210:environment:prod");
    assert.equal(immutable.environment, "prod");
    assert.equal(immutable.job_workflow_ref, "contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/heads/main");
    const custom = tokenClaims(
      { ...repository, subjectClaimKeys: ["repo", "context", "job_workflow_ref"] },
      workflows.get(".github/workflows/deploy.yml")!,
      workflows.get(".github/workflows/pulumi.yml")!,
      push,
      "prod",
    );
    assert.equal(
      custom.sub,
      "repo:contoso/zero-secrets-stack:environment:prod:job_workflow_ref:contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/heads/main",
    );
  });

  it("catches a job pinned out of its role: a push job in worker-image.yml using the deploy roles", async () => {
    const dir = workflowsWith("worker-image.yml", DEPLOY_ROLE_PUSH_JOB);
    try {
      const { findings } = await matrixOf(dir);
      for (const stack of ["dev", "prod"]) {
        assert.ok(
          findings.some((f) =>
            new RegExp(
              `^worker-image.yml › push \\(environment=${stack}\\) \\(push to main\\) uses AWS role zs-${stack}-github-deploy \\(${stack}\\) but would be denied: .*job_workflow_ref = "contoso/zero-secrets-stack/.github/workflows/worker-image.yml@refs/heads/main" fails`,
            ).test(f),
          ),
          findings.join("\n"),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("catches a preview role pinned at refs/heads/main, which a pull request (refs/pull/N/merge) never satisfies", async () => {
    const facts = withTrust("zs-dev-github-preview", (condition) => {
      delete condition.StringLike;
      condition.StringEquals![`${PREFIX}:job_workflow_ref`] =
        "contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/heads/main";
    });
    const { findings } = await matrixOf(undefined, facts);
    assert.equal(findings.length, 1, findings.join("\n"));
    assert.match(
      findings[0]!,
      /^pull-request.yml › preview → pulumi.yml › pulumi \(pull request to main from a branch of the repository\) uses AWS role zs-dev-github-preview \(dev\) but would be denied: .*job_workflow_ref = "contoso\/zero-secrets-stack\/.github\/workflows\/pulumi.yml@refs\/pull\/1\/merge" fails StringEquals/,
    );
  });

  it("catches a trust that admits an impostor: a subject pattern lets another environment in", async () => {
    const facts = withTrust("zs-prod-github-deploy", (condition) => {
      delete condition.StringEquals![`${PREFIX}:sub`];
      condition.StringLike = {
        [`${PREFIX}:sub`]: "repo:contoso/zero-secrets-stack:*",
        ...(condition.StringLike ?? {}),
      };
    });
    const { findings } = await matrixOf(undefined, facts);
    assert.ok(
      findings.some((f) =>
        /^AWS role zs-prod-github-deploy \(prod\) admits an impostor, the same job in environment zz-impostor-environment/.test(
          f,
        ),
      ),
      findings.join("\n"),
    );
  });

  it("catches a login the published variables do not resolve", async () => {
    const dir = workflowsWith(
      "extra.yml",
      `name: extra
on:
  push:
    branches: [main]
jobs:
  job:
    runs-on: ubuntu-24.04
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: \${{ vars.NOT_PUBLISHED_ROLE_ARN }}
`,
    );
    try {
      const { findings } = await matrixOf(dir);
      assert.deepEqual(findings, [
        'extra.yml › job, step "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502": role-to-assume ${{ vars.NOT_PUBLISHED_ROLE_ARN }} resolves to nothing',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 1 on a finding and 2 on bad usage, saying what to pass", async () => {
    const dir = workflowsWith("worker-image.yml", DEPLOY_ROLE_PUSH_JOB);
    try {
      assert.equal(await main(["--workflows", dir], { out: () => undefined, err: () => undefined }), 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const err: string[] = [];
    assert.equal(
      await main(["--stacks", "dev", "--workflows", join(tmpdir(), "no-such-dir")], {
        out: () => undefined,
        err: (t) => err.push(t),
      }),
      2,
    );
    assert.match(err.join("\n"), /no-such-dir/);
    assert.equal(await main(["--no-such-option"], { out: () => undefined, err: () => undefined }), 2);
    assert.equal(await main(["--stacks", "qa"], { out: () => undefined, err: (t) => err.push(t) }), 2);
    assert.match(err.join("\n"), /Stack "qa"/);
  });
});
