/**
 * The deploy and preview role specs (pure builders, no mocks needed for most), and the component's own checks, made
 * by the pack's evaluator before anything is registered.
 */
import { strict as assert } from "node:assert";
import { GitHubActionsOidc } from "../../components/github-aws-oidc";
import { deployRoleSpec, previewRoleSpec, stackBoundaryArn } from "../../components/github-roles";
import { PermissionsBoundary, permissionsBoundaryStatements } from "../../components/permissions-boundary";
import { evaluateIdentityPolicy } from "../../policy/iam";
import { build, named, useMocks } from "../../devtools/component-harness";
import { legacyStackRolesStatements } from "../../devtools/policy-fixtures/legacy-deploy-role";

const ACCOUNT = "111122223333";
const BOUNDARY = stackBoundaryArn(ACCOUNT, "zs-dev");
const scope = { accountId: ACCOUNT, region: "ap-southeast-2", namePrefix: "zs-dev", permissionsBoundaryArn: BOUNDARY };
const env = [{ kind: "environment" as const, environment: "dev" }];
const repository = { owner: "contoso", repository: "infra" };
const doc = (statements: readonly unknown[]) => ({ Version: "2012-10-17", Statement: statements });

describe("GitHub role specs (deploy and preview)", () => {
  it("names the stack's own boundary when the stack file names none", () => {
    assert.equal(BOUNDARY, "arn:aws:iam::111122223333:policy/zs-dev-permissions-boundary");
    assert.equal(
      stackBoundaryArn(ACCOUNT, "zs-dev", "arn:aws:iam::111122223333:policy/platform"),
      "arn:aws:iam::111122223333:policy/platform",
    );
  });

  it("the deploy role creates stack roles only with the boundary, and never lifts or edits it (evaluated)", () => {
    const policy = doc(deployRoleSpec(scope, env).statements);
    const role = `arn:aws:iam::${ACCOUNT}:role/zs-dev-sync-task-1234567`;
    const ask = (action: string, resource: string, boundary?: string) =>
      evaluateIdentityPolicy(policy, {
        action,
        resource,
        context: boundary === undefined ? {} : { "iam:PermissionsBoundary": boundary },
      }).decision;
    assert.equal(ask("iam:CreateRole", role, BOUNDARY), "allow");
    assert.equal(ask("iam:CreateRole", role), "deny");
    assert.equal(ask("iam:PutRolePolicy", role, `arn:aws:iam::${ACCOUNT}:policy/other`), "deny");
    assert.equal(ask("iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/other-app`, BOUNDARY), "implicitDeny");
    assert.equal(ask("iam:DeleteRolePermissionsBoundary", role, BOUNDARY), "deny");
    assert.equal(ask("iam:CreatePolicyVersion", BOUNDARY), "deny");
  });

  it("refuses a branch, tag or pull-request deploy subject unless it is named", () => {
    assert.throws(
      () => deployRoleSpec(scope, [...env, { kind: "branch", branch: "main" }]),
      /deploy subject "ref:refs\/heads\/main" bypasses the environment's protection rules/,
    );
    assert.throws(() => deployRoleSpec(scope, [{ kind: "pullRequest" }]), /"pull_request" bypasses/);
    assert.equal(
      deployRoleSpec(scope, [...env, { kind: "branch", branch: "main" }], ["ref:refs/heads/main"]).subjects.length,
      2,
    );
  });

  it("the preview role reads only the stack's own resources", () => {
    const policy = doc(previewRoleSpec({ ...scope, stateBucket: "contoso-state" }).statements);
    const read = (action: string, resource: string) => evaluateIdentityPolicy(policy, { action, resource }).decision;
    assert.equal(read("iam:GetRolePolicy", `arn:aws:iam::${ACCOUNT}:role/zs-dev-sync-task-1`), "allow");
    assert.equal(read("iam:GetRolePolicy", `arn:aws:iam::${ACCOUNT}:role/payroll-admin`), "implicitDeny");
    assert.equal(
      read("dynamodb:DescribeTable", `arn:aws:dynamodb:ap-southeast-2:${ACCOUNT}:table/other`),
      "implicitDeny",
    );
    assert.equal(read("ecs:DescribeTaskDefinition", "*"), "implicitDeny", "task definitions of the whole account");
    const wide = JSON.stringify(policy.Statement.filter((s) => (s as { Resource: unknown }).Resource === "*"));
    assert.equal(
      wide,
      JSON.stringify([
        {
          Sid: "DescribeOutboundFederation",
          Effect: "Allow",
          Action: "iam:GetOutboundWebIdentityFederationInfo",
          Resource: "*",
        },
      ]),
    );
  });

  const boundaryArgs = {
    accountId: ACCOUNT,
    region: "ap-southeast-2",
    namePrefix: "zs-dev",
    stateBucket: "contoso-state",
  };
  const boundary = doc(permissionsBoundaryStatements(boundaryArgs, BOUNDARY));

  it("the boundary caps at the stack's own resources and carries the guards", () => {
    const ask = (action: string, resource: string) => evaluateIdentityPolicy(boundary, { action, resource }).decision;
    assert.equal(ask("dynamodb:Query", `arn:aws:dynamodb:ap-southeast-2:${ACCOUNT}:table/zs-dev-state-1`), "allow");
    assert.equal(ask("dynamodb:Query", `arn:aws:dynamodb:ap-southeast-2:${ACCOUNT}:table/payroll`), "implicitDeny");
    assert.equal(ask("s3:GetObject", "arn:aws:s3:::other-bucket/k"), "implicitDeny");
    assert.equal(ask("ec2:RunInstances", "*"), "implicitDeny");
    assert.equal(ask("iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/x`), "deny");
    assert.equal(ask("iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/zs-dev-x`), "deny", "without the boundary");
    assert.equal(ask("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/zs-dev-github-deploy-1a2b3c4`), "deny");
  });

  it("everything the deploy and preview roles are granted lies within the boundary (they carry it)", () => {
    const statements = [
      ...deployRoleSpec({ ...scope, stateBucket: "contoso-state" }, env).statements,
      ...previewRoleSpec({ ...scope, stateBucket: "contoso-state" }).statements,
    ];
    for (const s of statements) {
      if (s.Effect !== "Allow") continue;
      for (const action of [s.Action].flat())
        for (const pattern of [s.Resource].flat() as string[]) {
          const resource = pattern.replace(/\*/g, "x1");
          const context = { "iam:PermissionsBoundary": BOUNDARY, "iam:PassedToService": "ecs-tasks.amazonaws.com" };
          const decision = evaluateIdentityPolicy(boundary, { action, resource, context }).decision;
          assert.equal(decision, "allow", `${s.Sid}: ${action} on ${resource}`);
        }
    }
  });
});

describe("GitHubActionsOidc: the component's own checks use the pack's evaluator", () => {
  before(useMocks);

  it("refuses statements that let the role raise itself, naming the role and what it could do", () => {
    assert.throws(
      () =>
        new GitHubActionsOidc("t9", {
          repository,
          roles: [
            {
              key: "deploy",
              description: "d",
              subjects: env,
              statements: legacyStackRolesStatements(ACCOUNT, "t9") as never,
            },
          ],
        }),
      /roles\[deploy\]\.statements: the role can rewrite its own permissions \(iam:PutRolePolicy on its own role arn:aws:iam::111122223333:role\/t9-deploy-xxxxxxx\)/,
    );
  });

  it("creates the stack's boundary policy under its fixed name", async () => {
    const { resources } = await build(
      "b1",
      (name) => new PermissionsBoundary(name, { accountId: ACCOUNT, region: "ap-southeast-2", namePrefix: "zs-dev" }),
    );
    assert.equal(named(resources, "b1-policy").inputs.name, "zs-dev-permissions-boundary");
    assert.throws(
      () => new PermissionsBoundary("b2", { accountId: "12", region: "ap-southeast-2", namePrefix: "zs-dev" }),
      /accountId "12" is not a 12-digit AWS account ID/,
    );
  });
});
