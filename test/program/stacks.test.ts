/**
 * Both real stacks, composed from their real stack files by the program itself, each run once in a child process
 * under the mock runtime (`runStackUnderMocks`); every assertion below reads those two runs.
 */
import { strict as assert } from "node:assert";
import { evaluateIdentityPolicy } from "../../policy/iam";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { recordedPlanRun } from "../../devtools/recorded-stacks";
import { RecordedResource, runStackUnderMocks, StackRun, UNKNOWN } from "../../tools/mock-runtime";
import { readProject, readStackConfig } from "../../tools/mock-runtime/stack-file";
import { WORKER_ENVIRONMENT as ENV } from "../../worker/src/contract";
import { copyProgram } from "../../devtools/program-copy";

const ROOT = path.resolve(__dirname, "..", "..");

/** Resource types that hold or mint a long-lived credential. None may appear. */
const SECRET_BEARING_TYPES = [
  /^aws:iam\/accessKey:/,
  /^aws:iam\/userLoginProfile:/,
  /^aws:iam\/user:/,
  /^aws:iam\/serviceSpecificCredential:/,
  /^aws:secretsmanager\//,
  /^azuread:index\/(application|servicePrincipal)(Password|Certificate):/,
  /^azure-native:.*:(ListStorageAccountKeys|ListKeys)/,
  /^github:index\/(actions|actionsEnvironment|actionsOrganization|dependabot|codespaces)Secret:/,
];
/** The repository's own secret scan (see the common rules): nothing credential-shaped in any input. */
const CREDENTIAL_SHAPES =
  /AKIA[A-Z2-7]{16}|[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}|-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{36}/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The variables a task must set: every name of the shared contract's TaskEnvironment but the optional Graph URL. */
const TASK_ENVIRONMENT = [
  ENV.tenantId,
  ENV.clientId,
  ENV.siteIds,
  ENV.checkpointTable,
  ENV.stateTable,
  ENV.documentsTable,
  ENV.leaseTable,
  ENV.contentBucket,
  ENV.region,
];

const ofType = (run: StackRun, type: string) => run.resources.filter((r) => r.type === type);
const byName = (run: StackRun, name: string): RecordedResource => {
  const found = run.resources.find((r) => r.name === name);
  assert.ok(found, `no resource ${name}`);
  return found;
};
const json = (r: RecordedResource, key: string) => JSON.parse(r.inputs[key] as string);

describe("the dev and prod stacks under the mock runtime", function () {
  const runs: Record<string, StackRun> = {};

  before(async function () {
    // The test run's shared recordings (also read by the gate and plan suites).
    const [dev, prod] = await Promise.all([recordedPlanRun("dev"), recordedPlanRun("prod")]);
    runs.dev = dev;
    runs.prod = prod;
  });

  for (const stack of ["dev", "prod"]) {
    describe(stack, () => {
      it("composes every component under the stack root, each child under its component", () => {
        const run = runs[stack]!;
        assert.equal(run.project, "zerosecrets");
        const root = run.resources.filter((r) => r.parent === undefined);
        assert.deepEqual(
          root.map((r) => r.type),
          ["pulumi:pulumi:Stack"],
        );
        const urns = new Set(run.resources.map((r) => r.urn));
        for (const r of run.resources)
          if (r.parent !== undefined) assert.ok(urns.has(r.parent), `${r.name}: parent missing`);
        const components = run.resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
        // Components the program composes sit under the stack; a component's own sub-components sit under it.
        const nested = components.filter((c) => c.parent !== root[0]!.urn);
        assert.deepEqual(
          nested.map((c) => c.type),
          stack === "prod" ? ["zerosecrets:sync:SyncFanOut", "zerosecrets:sync:SyncStateMachines"] : [],
        );
        for (const c of nested)
          assert.ok(
            components.some((p) => p.urn === c.parent),
            `${c.name}: parent not a component`,
          );
        assert.deepEqual(
          components
            .filter((c) => !nested.includes(c))
            .map((c) => c.type)
            .sort(),
          [
            "zerosecrets:aws:GitHubActionsOidc",
            // dev creates its own boundary; prod names the platform's.
            ...(stack === "dev" ? ["zerosecrets:aws:PermissionsBoundary"] : []),
            "zerosecrets:azure:AwsWorkloadIdentity",
            "zerosecrets:azure:GitHubActionsIdentity",
            "zerosecrets:azure:GitHubActionsIdentity",
            "zerosecrets:github:ActionsVariables",
            "zerosecrets:sync:SyncAlarms",
            "zerosecrets:sync:SyncTask",
          ],
        );
        for (const r of run.resources.filter((x) => x.custom)) {
          assert.ok(
            components.some((c) => c.urn === r.parent),
            `${r.name} is not inside a component`,
          );
        }
      });

      it("creates no role that allows a `*` action or a whole service", () => {
        const policies = ofType(runs[stack]!, "aws:iam/rolePolicy:RolePolicy");
        // prod's state machines replace the ECS scheduler role with their own role and a scheduler role of their own,
        // and its fan-out adds the task role's SQS policy.
        assert.equal(policies.length, stack === "prod" ? 7 : 5);
        for (const policy of policies) {
          for (const statement of json(policy, "policy").Statement) {
            const actions: string[] = [statement.Action].flat();
            for (const action of actions)
              assert.doesNotMatch(action, /^(\*|[a-z0-9-]+:\*)$/, `${policy.name}: ${action}`);
          }
        }
        assert.equal(ofType(runs[stack]!, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
      });

      it("puts every role under the stack's permissions boundary", () => {
        const boundary =
          stack === "dev"
            ? "arn:aws:iam::111122223333:policy/zs-dev-permissions-boundary"
            : "arn:aws:iam::444455556666:policy/platform-deploy-boundary";
        const roles = ofType(runs[stack]!, "aws:iam/role:Role");
        // preview, deploy, task, execution; then the schedule role (dev) or the state machine and its scheduler (prod).
        assert.equal(roles.length, stack === "prod" ? 6 : 5);
        for (const role of roles) assert.equal(role.inputs.permissionsBoundary, boundary, role.name);
        const deploy = json(byName(runs[stack]!, `zs-${stack}-github-deploy-permissions`), "policy");
        const self = deploy.Statement.find((s: { Sid?: string }) => s.Sid === "DenyEditingItself");
        assert.match(self.Resource, new RegExp(`^arn:aws:iam::\\d{12}:role/zs-${stack}-github-deploy-[0-9a-f]{7}$`));
        assert.deepEqual(
          deploy.Statement.find((s: { Sid?: string }) => s.Sid === "StackRolesCarryTheBoundary").Condition,
          { StringEquals: { "iam:PermissionsBoundary": boundary } },
        );
      });

      it("keeps the pull-request preview role read-only (its only writes are the state backend's lock files)", () => {
        const policy = json(byName(runs[stack]!, `zs-${stack}-github-preview-permissions`), "policy");
        for (const statement of policy.Statement) {
          const actions: string[] = [statement.Action].flat();
          if (statement.Sid === "StateBackendLocks") {
            assert.match(statement.Resource, /^arn:aws:s3:::contoso-pulumi-state-(dev|prod)\/\.pulumi\/locks\/\*$/);
            continue;
          }
          // Opening the stack decrypts its data key with the secrets provider's key, and only that key.
          if (statement.Sid === "StackSecretsProvider") {
            assert.equal(statement.Action, "kms:Decrypt");
            assert.match(statement.Resource, /^arn:aws:kms:ap-southeast-2:\d{12}:key\/[0-9a-f-]{36}$/);
            continue;
          }
          for (const action of actions) assert.match(action, /^[a-z0-9-]+:(Get|List|Describe)/, action);
        }
      });

      it("pins aud and sub on every role that trusts GitHub", () => {
        const roles = ofType(runs[stack]!, "aws:iam/role:Role").filter((r) =>
          /Federated/.test(r.inputs.assumeRolePolicy as string),
        );
        assert.equal(roles.length, 2);
        for (const role of roles) {
          for (const statement of json(role, "assumeRolePolicy").Statement) {
            const equals = statement.Condition.StringEquals;
            assert.equal(equals["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
            assert.equal(equals["token.actions.githubusercontent.com:repository_id"], "876543210");
            // The one pattern: a pull request's number in the preview role's job_workflow_ref pin.
            assert.deepEqual(
              Object.keys(statement.Condition.StringLike ?? {}),
              role.name.endsWith("preview") ? ["token.actions.githubusercontent.com:job_workflow_ref"] : [],
            );
            for (const subject of equals["token.actions.githubusercontent.com:sub"]) {
              assert.match(subject, /^repo:contoso\/zero-secrets-stack:(pull_request|environment:(dev|prod))$/);
            }
          }
        }
      });

      it("holds no secret-bearing resource and no secret value", () => {
        const run = runs[stack]!;
        for (const r of run.resources) {
          for (const pattern of SECRET_BEARING_TYPES) assert.doesNotMatch(r.type, pattern, r.name);
          assert.deepEqual(r.secretPaths, [], `${r.name} has secret inputs`);
          assert.doesNotMatch(JSON.stringify(r.inputs), CREDENTIAL_SHAPES, r.name);
        }
        assert.equal(
          ofType(run, "github:index/actionsVariable:ActionsVariable").length +
            ofType(run, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable").length >
            0,
          true,
        );
      });

      it("runs the worker with the agreed environment and trusts its task role from Entra", async () => {
        const run = runs[stack]!;
        const [container] = json(ofType(run, "aws:ecs/taskDefinition:TaskDefinition")[0]!, "containerDefinitions");
        assert.deepEqual(
          container.environment.map((e: { name: string }) => e.name),
          TASK_ENVIRONMENT,
        );
        const env = Object.fromEntries(
          container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
        );
        assert.equal(env.AZURE_CLIENT_ID, run.outputs.azureSyncClientId);
        const fic = byName(run, `zs-${stack}-workload-fic-task-role`);
        assert.equal(fic.inputs.subject, run.outputs.taskRoleArn);
        assert.equal(fic.inputs.issuer, run.outputs.outboundIssuerUrl);
      });

      it("exports realistic public identifiers", () => {
        const o = runs[stack]!.outputs;
        const account = stack === "dev" ? "111122223333" : "444455556666";
        assert.match(
          o.awsDeployRoleArn as string,
          new RegExp(`^arn:aws:iam::${account}:role/zs-${stack}-github-deploy-[0-9a-f]{7}$`),
        );
        assert.match(
          o.awsPreviewRoleArn as string,
          new RegExp(`^arn:aws:iam::${account}:role/zs-${stack}-github-preview-`),
        );
        assert.match(o.outboundIssuerUrl as string, /^https:\/\/[0-9a-f-]{36}\.tokens\.sts\.global\.api\.aws$/);
        for (const key of ["azureDeployClientId", "azurePreviewClientId", "azureSyncClientId"])
          assert.match(o[key] as string, GUID);
        assert.deepEqual(Object.keys(o.tableNames as object).sort(), ["checkpoints", "documents", "lease", "state"]);
      });
    });
  }

  it("dev creates the GitHub provider; prod reuses the account's provider by ARN", () => {
    assert.equal(ofType(runs.dev!, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 1);
    assert.equal(ofType(runs.prod!, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
    const trust = json(byName(runs.prod!, "zs-prod-github-deploy"), "assumeRolePolicy");
    assert.equal(
      trust.Statement[0].Principal.Federated,
      "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com",
    );
  });

  it("prod deploys only through its protected environment, with a boundary and a pinned workflow", () => {
    const env = byName(runs.prod!, "zs-prod-actions-env-prod").inputs;
    assert.deepEqual(env.reviewers, [{ users: [], teams: [4567890] }]);
    assert.equal(env.preventSelfReview, true);
    assert.equal(byName(runs.prod!, "zs-prod-actions-env-prod-branch-main").inputs.branchPattern, "main");
    const deploy = byName(runs.prod!, "zs-prod-github-deploy");
    assert.equal(deploy.inputs.permissionsBoundary, "arn:aws:iam::444455556666:policy/platform-deploy-boundary");
    assert.deepEqual(
      json(deploy, "assumeRolePolicy").Statement[0].Condition.StringEquals[
        "token.actions.githubusercontent.com:job_workflow_ref"
      ],
      ["contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/heads/main"],
    );
    // Azure parity: the prod deploy identity pins the same workflow (flexible credential on job_workflow_ref).
    const flexible = ofType(
      runs.prod!,
      "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
    ).filter((c) => c.name.startsWith("zs-prod-azure-deploy"));
    assert.deepEqual(
      flexible.map((c) => c.inputs.claimsMatchingExpression),
      [
        "claims['sub'] eq 'repo:contoso/zero-secrets-stack:environment:prod' and claims['job_workflow_ref'] eq 'contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/heads/main'",
      ],
    );
    assert.equal(ofType(runs.prod!, "aws:scheduler/schedule:Schedule").length, 2);
    // Only dev publishes the repository-level preview variables.
    assert.equal(ofType(runs.prod!, "github:index/actionsVariable:ActionsVariable").length, 0);
    assert.ok(
      ofType(runs.dev!, "github:index/actionsVariable:ActionsVariable").some(
        (v) => v.inputs.variableName === "AWS_PREVIEW_ROLE_ARN",
      ),
    );
  });

  it("dev: every permission any role is granted lies within the boundary the stack creates (ADR 0002)", () => {
    const boundary = json(byName(runs.dev!, "zs-dev-boundary-policy"), "policy");
    for (const policy of ofType(runs.dev!, "aws:iam/rolePolicy:RolePolicy")) {
      for (const statement of json(policy, "policy").Statement) {
        if (statement.Effect !== "Allow") continue;
        for (const action of [statement.Action].flat() as string[])
          for (const pattern of [statement.Resource].flat() as string[]) {
            const resource = pattern.replace(/\*/g, "x1");
            const context = {
              "iam:PermissionsBoundary": boundary.Statement.find(
                (s: { Sid: string }) => s.Sid === "DenyEditingTheBoundary",
              ).Resource,
            };
            const decision = evaluateIdentityPolicy(boundary, { action, resource, context }).decision;
            assert.equal(decision, "allow", `${policy.name} ${statement.Sid}: ${action} on ${resource}`);
          }
      }
    }
  });

  it("publishes exactly the variables the workflows read, each where the job reading it can see it", () => {
    const workflows = path.join(ROOT, ".github", "workflows");
    const read = new Set(
      fs
        .readdirSync(workflows)
        .flatMap((f) =>
          [...fs.readFileSync(path.join(workflows, f), "utf8").matchAll(/vars\.([A-Z_]+)/g)].map((m) => m[1]!),
        ),
    );
    const published = (run: StackRun, type: string) => ofType(run, type).map((v) => v.inputs.variableName as string);
    const environment = new Set([
      ...published(runs.dev!, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"),
      ...published(runs.prod!, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"),
    ]);
    const repository = new Set(published(runs.dev!, "github:index/actionsVariable:ActionsVariable"));
    assert.deepEqual(
      [...read].filter((name) => !environment.has(name) && !repository.has(name)),
      [],
      "read but never published",
    );
    assert.deepEqual(
      [...new Set([...environment, ...repository])].filter((name) => !read.has(name)).sort(),
      [],
      "published but never read",
    );
    assert.deepEqual(
      published(runs.prod!, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable").sort(),
      [
        "AWS_DEPLOY_ROLE_ARN",
        "AWS_REGION",
        "AZURE_DEPLOY_CLIENT_ID",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_TENANT_ID",
        "PULUMI_BACKEND_URL",
      ],
    );
  });
});

describe("runStackUnderMocks", () => {
  // A copy outside the checkout: the gate runs programs wherever they are (this suite's own temporary directory).
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "zerosecrets-stack-test-"));

  before(() => {
    fs.mkdirSync(copy, { recursive: true });
    copyProgram(copy);
  });
  after(() => fs.rmSync(copy, { recursive: true, force: true }));

  it("rejects with the program's own message when the stack file is wrong, from a copy of the program", async () => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    fs.writeFileSync(
      path.join(copy, "Pulumi.dev.yaml"),
      dev.replace("zerosecrets:environment: dev", "zerosecrets:environment: staging"),
    );
    await assert.rejects(runStackUnderMocks({ stack: "dev", projectDir: copy }), {
      name: "StackRunError",
      message:
        'Stack "dev" has invalid configuration (Pulumi.dev.yaml):\n  - zerosecrets:environment: "staging" is not a declared environment; expected one of dev (zerosecrets:github.environments)',
    });
  });

  it("refuses a misspelt zerosecrets: key read from the stack file, naming the closest known key", async () => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    fs.writeFileSync(path.join(copy, "Pulumi.dev.yaml"), dev.replace("  zerosecrets:sync:\n", "  zerosecrets:sinc:\n"));
    await assert.rejects(runStackUnderMocks({ stack: "dev", projectDir: copy }), {
      name: "StackRunError",
      message:
        'Stack "dev" has invalid configuration (Pulumi.dev.yaml):\n' +
        "  - zerosecrets:sync: missing; expected { siteIds, subnetIds, securityGroupIds, … }\n" +
        "  - zerosecrets:sinc: unknown key; the closest known key is zerosecrets:sync (known: environment, workerImageTag, github, aws, azure, sync)",
    });
  });

  it("previews with unknown computed outputs, and can leave the GitHub settings alone", async () => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    assert.ok(dev.includes("    publishRepositoryVariables: true\n"));
    fs.writeFileSync(
      path.join(copy, "Pulumi.dev.yaml"),
      dev.replace(
        "    publishRepositoryVariables: true\n",
        "    publishRepositoryVariables: true\n    manageRepositorySettings: false\n",
      ),
    );
    const run = await runStackUnderMocks({ stack: "dev", projectDir: copy, preview: true });
    // As in a real preview, what the providers compute is not known yet; what the program sets is.
    assert.equal(run.outputs.awsDeployRoleArn, UNKNOWN);
    assert.equal(byName(run, "zs-dev-workload-fic-task-role").inputs.subject, UNKNOWN);
    assert.deepEqual(byName(run, "zs-dev-workload-fic-task-role").inputs.audiences, ["api://AzureADTokenExchange"]);
    assert.deepEqual(
      run.resources.filter((r) => r.type.startsWith("github:") || r.type === "zerosecrets:github:ActionsVariables"),
      [],
    );
  });

  it("refuses a missing stack file, naming it", () => {
    const project = readProject(ROOT);
    assert.throws(() => readStackConfig(copy, project, "qa"), {
      message: `Stack "qa": ${path.join(copy, "Pulumi.qa.yaml")} not found`,
    });
  });
});
