import { strict as assert } from "node:assert";
import { analyseEscalation, EscalationKind } from "../../policy/iam";
import { selfEscalation } from "../../policy/rules/self-escalation";
import { deployRoleSpec, previewRoleSpec } from "../../components/github-roles";
import { ROLE_WRITE_ACTIONS } from "../../components/iam-policy";
import { check } from "../../devtools/policy-fixtures/fixtures";
import { legacyStackRolesStatements } from "../../devtools/policy-fixtures/legacy-deploy-role";

const ACCOUNT = "111122223333";
const PREFIX = "zs-dev";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/zs-dev-permissions-boundary`;
const SELF = "zs-dev-github-deploy-1a2b3c4";
const SELF_ARN = `arn:aws:iam::${ACCOUNT}:role/${SELF}`;
const scope = { accountId: ACCOUNT, region: "ap-southeast-2", namePrefix: PREFIX, permissionsBoundaryArn: BOUNDARY };
const policy = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const kinds = (statements: unknown[], subject = { roleName: SELF }) =>
  analyseEscalation([policy(...statements)], subject)
    .map((f) => f.kind)
    .sort();

/** The deploy role's policy as the component builds it: the spec's statements plus the Deny on its own ARN. */
function deployPolicy(): unknown[] {
  const spec = deployRoleSpec(scope, [{ kind: "environment", environment: "dev" }]);
  return [
    ...spec.statements,
    { Sid: "DenyEditingItself", Effect: "Deny", Action: ROLE_WRITE_ACTIONS, Resource: SELF_ARN },
  ];
}

describe("policy rule no-self-escalation", () => {
  it("fails today's StackRoles statement: it covers the deploy role itself and carries no boundary condition", () => {
    assert.deepEqual(kinds(legacyStackRolesStatements(ACCOUNT, PREFIX)), [
      "roleWithoutBoundary",
      "selfBoundary",
      "selfPermissions",
      "selfTrust",
    ]);
  });

  it("passes the deploy role the stacks build now, and the preview role", () => {
    assert.deepEqual(kinds(deployPolicy()), []);
    assert.deepEqual(kinds([...previewRoleSpec({ ...scope, stateBucket: "state" }).statements]), []);
  });

  it("the boundary condition alone is not enough: the role carries the boundary, so it could still rewrite itself", () => {
    const withoutSelfDeny = deployPolicy().filter((s) => (s as { Sid?: string }).Sid !== "DenyEditingItself");
    assert.deepEqual(kinds(withoutSelfDeny), ["selfPermissions", "selfTrust"]);
  });

  it("reads resource patterns, not only actions: the same actions on another prefix are no escalation", () => {
    const elsewhere = legacyStackRolesStatements(ACCOUNT, "other-app").slice(0, 1);
    assert.deepEqual(kinds(elsewhere), ["roleWithoutBoundary"]);
  });

  const cases: Array<[string, unknown, EscalationKind]> = [
    ["iam:* on *", { Effect: "Allow", Action: "iam:*", Resource: "*" }, "selfPermissions"],
    ["NotAction that leaves IAM in", { Effect: "Allow", NotAction: "s3:*", Resource: "*" }, "selfTrust"],
    [
      "an action wildcard",
      { Effect: "Allow", Action: "iam:Put*", Resource: `arn:aws:iam::${ACCOUNT}:role/*` },
      "selfBoundary",
    ],
    [
      "lifting any boundary",
      { Effect: "Allow", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
      "liftBoundary",
    ],
    [
      "editing the boundary policy",
      [
        {
          Effect: "Allow",
          Action: "iam:CreateRole",
          Resource: "*",
          Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY } },
        },
        { Effect: "Allow", Action: "iam:CreatePolicyVersion", Resource: BOUNDARY },
      ],
      "editManagedPolicy",
    ],
    ["minting user keys", { Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "*" }, "userCredentials"],
  ];
  for (const [name, statements, kind] of cases) {
    it(`fails ${name}`, () =>
      assert.ok(kinds([statements].flat()).includes(kind), JSON.stringify(kinds([statements].flat()))));
  }

  it("an explicit Deny on the boundary condition holds even beside a broad Allow", () => {
    const guarded = [
      { Effect: "Allow", Action: "iam:CreateRole", Resource: `arn:aws:iam::${ACCOUNT}:role/app-*` },
      {
        Effect: "Deny",
        Action: "iam:CreateRole",
        Resource: "*",
        Condition: { StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY } },
      },
    ];
    assert.deepEqual(kinds(guarded), []);
  });

  it("reports through the rule with the resource, property and fix (RolePolicy, Role inline policies)", async () => {
    const [message] = await check(selfEscalation, "aws:iam/rolePolicy:RolePolicy", {
      role: SELF,
      policy: policy(...legacyStackRolesStatements(ACCOUNT, PREFIX)),
    });
    assert.match(
      message,
      /^aws:iam\/rolePolicy:RolePolicy "r" at policy: can rewrite its own permissions \(iam:PutRolePolicy on its own role arn:aws:iam::111122223333:role\/zs-dev-github-deploy-1a2b3c4\)\. Fix: grant role-management actions only with an iam:PermissionsBoundary condition/,
    );
    const inline = await check(selfEscalation, "aws:iam/role:Role", {
      name: `${PREFIX}-x`,
      inlinePolicies: [{ name: "p", policy: policy(...legacyStackRolesStatements(ACCOUNT, PREFIX)) }],
    });
    assert.ok(inline.some((m) => /at inlinePolicies: can rewrite its own trust policy/.test(m)));
  });

  describe("AWS managed policies given by ARN", () => {
    const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    const iamFull = "arn:aws-us-gov:iam::aws:policy/IAMFullAccess";

    it("judges AdministratorAccess and IAMFullAccess as their published documents, in any partition", async () => {
      const onRole = await check(selfEscalation, "aws:iam/role:Role", { name: SELF, managedPolicyArns: [admin] });
      assert.ok(
        onRole.some((m) => /at managedPolicyArns: can rewrite its own permissions/.test(m)),
        onRole.join("\n"),
      );
      const attached = await check(selfEscalation, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {
        role: SELF,
        policyArn: iamFull,
      });
      assert.ok(
        attached.some((m) => /at policyArn: can rewrite its own trust policy/.test(m)),
        attached.join("\n"),
      );
      const native = await check(selfEscalation, "aws-native:iam:Role", { roleName: SELF, managedPolicyArns: [admin] });
      assert.ok(
        native.some((m) => /at managedPolicyArns: /.test(m)),
        native.join("\n"),
      );
    });

    it("stays silent on managed policies that grant no IAM writes, and on customer-managed ARNs it cannot read", async () => {
      for (const policyArn of [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess`,
      ])
        assert.deepEqual(
          await check(selfEscalation, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: SELF, policyArn }),
          [],
          policyArn,
        );
      assert.deepEqual(await check(selfEscalation, "aws:iam/role:Role", { name: SELF, managedPolicyArns: [] }), []);
    });
  });
});
