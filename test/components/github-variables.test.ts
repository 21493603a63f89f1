import { strict as assert } from "node:assert";
import { ActionsVariables, ActionsVariablesArgs } from "../../components/github-variables";
import { build, named, ofType, refusal, useMocks } from "../../devtools/component-harness";

const base: ActionsVariablesArgs = {
  repository: "zero-secrets-stack",
  environments: [{ name: "prod", branches: ["main"], reviewers: { teams: [4567890] } }],
  environmentVariables: {
    prod: { AWS_DEPLOY_ROLE_ARN: "arn:aws:iam::444455556666:role/zs-prod-github-deploy-1a2b3c4" },
  },
  repositoryVariables: { AWS_REGION: "ap-southeast-2" },
};

const make = (args: ActionsVariablesArgs) => (name: string) => new ActionsVariables(name, args);

describe("ActionsVariables (GitHub environments and public IDs)", () => {
  before(useMocks);

  it("restricts the environment to its branches and publishes variables, never secrets", async () => {
    const { resources } = await build("g1", make(base));
    const env = named(resources, "g1-env-prod").inputs;
    assert.deepEqual(env.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
    assert.deepEqual(env.reviewers, [{ users: [], teams: [4567890] }]);
    assert.equal(env.preventSelfReview, true);
    assert.equal(env.canAdminsBypass, false);
    assert.equal(named(resources, "g1-env-prod-branch-main").inputs.branchPattern, "main");
    const envVar = named(resources, "g1-prod-var-aws_deploy_role_arn").inputs;
    assert.deepEqual([envVar.environment, envVar.variableName], ["prod", "AWS_DEPLOY_ROLE_ARN"]);
    assert.equal(named(resources, "g1-var-aws_region").inputs.value, "ap-southeast-2");
    assert.equal(resources.filter((r) => /Secret/.test(r.type)).length, 0);
    assert.equal(
      ofType(
        resources,
        "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:ActionsRepositoryOidcSubjectClaimCustomizationTemplate",
      ).length,
      0,
    );
  });

  it("customises the subject claim template only when asked", async () => {
    const { resources } = await build(
      "g2",
      make({ ...base, subjectClaimKeys: ["repository_owner_id", "repository_id", "context"] }),
    );
    const template = ofType(
      resources,
      "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:ActionsRepositoryOidcSubjectClaimCustomizationTemplate",
    )[0]!;
    assert.deepEqual(template.inputs.includeClaimKeys, ["repository_owner_id", "repository_id", "context"]);
    assert.equal(template.inputs.useDefault, false);
  });

  describe("refuses", () => {
    const cases: [string, Partial<ActionsVariablesArgs>, string][] = [
      [
        "a credential-like variable name",
        { repositoryVariables: { AWS_SECRET_ACCESS_KEY: "x" } },
        'repository variable "AWS_SECRET_ACCESS_KEY" looks like a credential; publish public IDs only (this stack trusts OIDC, not secrets)',
      ],
      [
        "a reserved variable name",
        { repositoryVariables: { GITHUB_TOKEN_URL: "x" } },
        'repository variable "GITHUB_TOKEN_URL": names are upper-case letters, digits and _, not starting with GITHUB_',
      ],
      [
        "variables for an environment it does not manage",
        { environmentVariables: { staging: { AWS_REGION: "x" } } },
        'environmentVariables: "staging" is not one of the environments this stack manages (prod)',
      ],
      [
        "an environment any branch could deploy to",
        { environments: [{ name: "prod", branches: [] }] },
        "environments[prod].branches: give at least one branch allowed to deploy",
      ],
      [
        "a subject template without the repository",
        { subjectClaimKeys: ["context"] },
        'subjectClaimKeys must include "repo" or "repository_id": a subject without the repository trusts every repository',
      ],
    ];
    cases.forEach(([what, override, message], i) => {
      it(what, () =>
        assert.equal(
          refusal(() => new ActionsVariables(`bad${i}`, { ...base, ...override })),
          message,
        ),
      );
    });
  });
});
