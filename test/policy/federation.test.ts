import { strict as assert } from "node:assert";
import { UNKNOWN_STRING } from "../../tools/policy-gate";
import { federation } from "../../policy/rules/federation";
import { check, fake } from "../../devtools/policy-fixtures/fixtures";

const ROLE = "aws:iam/role:Role";
const GH = "token.actions.githubusercontent.com";
const provider = `arn:aws:iam::${fake.accountId()}:oidc-provider/${GH}`;

function trust(condition: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: provider },
        Condition: condition,
        ...extra,
      },
    ],
  };
}

/** Role props in the string form programs usually send (JSON.stringify / pulumi.jsonStringify). */
function role(condition: unknown, extra: Record<string, unknown> = {}) {
  return { assumeRolePolicy: JSON.stringify(trust(condition, extra)) };
}

const aud = { [`${GH}:aud`]: "sts.amazonaws.com" };
const pinned = (sub: string | string[], op = "StringEquals") =>
  op === "StringEquals"
    ? { StringEquals: { ...aud, [`${GH}:sub`]: sub } }
    : { StringEquals: aud, [op]: { [`${GH}:sub`]: sub } };

async function problems(props: Record<string, unknown>, config = {}, type = ROLE): Promise<string> {
  return (await check(federation, type, props, config)).join("\n");
}

describe("policy rule federation-admits-only-the-intended-workload: IAM role trust", () => {
  describe("passes trusts that admit only the intended workload", () => {
    const cases: Array<[string, unknown]> = [
      ["an environment pinned with StringEquals", pinned("repo:octo/app:environment:prod")],
      ["a list of exact subjects", pinned(["repo:octo/app:ref:refs/heads/main", "repo:octo/app:environment:prod"])],
      ["the immutable subject form", pinned("repo:octo@1234/app@5678:environment:prod")],
      ["a narrow branch wildcard with StringLike", pinned("repo:octo/app:ref:refs/heads/release/*", "StringLike")],
      [
        "a repository wildcard held by a pinned repository_id",
        {
          StringEquals: { ...aud, [`${GH}:repository_id`]: "5678" },
          StringLike: { [`${GH}:sub`]: "repo:octo/*:environment:prod" },
        },
      ],
    ];
    for (const [name, condition] of cases) {
      it(name, async () => assert.equal(await problems(role(condition)), ""));
    }

    it("the object form of the policy", async () => {
      assert.equal(await problems({ assumeRolePolicy: trust(pinned("repo:octo/app:environment:prod")) }), "");
    });

    it("the aws-native role's object-form trust, judged the same way", async () => {
      assert.equal(
        await problems(
          { assumeRolePolicyDocument: trust(pinned("repo:octo/app:environment:prod")) },
          {},
          "aws-native:iam:Role",
        ),
        "",
      );
      assert.match(
        await problems({ assumeRolePolicyDocument: trust({ StringEquals: aud }) }, {}, "aws-native:iam:Role"),
        /^aws-native:iam:Role "r" at assumeRolePolicyDocument: does not pin/,
      );
    });

    it("a Deny that pins sub (StringNotEquals) is honoured", async () => {
      const policy = trust({ StringEquals: aud });
      (policy.Statement as unknown[]).push({
        Effect: "Deny",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: provider },
        Condition: { StringNotEquals: { [`${GH}:sub`]: "repo:octo/app:environment:prod" } },
      });
      assert.equal(await problems({ assumeRolePolicy: JSON.stringify(policy) }), "");
    });

    it("a pull_request role that is allow-listed as a reviewed read-only identity", async () => {
      const props = role(pinned("repo:octo/app:pull_request"));
      assert.match(await problems(props), /admits a pull request/);
      assert.equal(await problems(props, { pullRequestIdentities: ["r"] }), "");
    });

    it("a provider ARN unknown during preview when the conditions name the issuer", async () => {
      const policy = trust(pinned("repo:octo/app:environment:prod"));
      (policy.Statement as Array<Record<string, unknown>>)[0].Principal = { Federated: UNKNOWN_STRING };
      assert.equal(await problems({ assumeRolePolicy: policy }), "");
    });

    it("roles that trust no OIDC provider (services, accounts)", async () => {
      const service = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" } }],
      };
      assert.equal(await problems({ assumeRolePolicy: JSON.stringify(service) }), "");
    });
  });

  describe("fails trusts that a hostile token gets through", () => {
    const cases: Array<[string, unknown, RegExp]> = [
      [
        "no sub condition: any repository",
        { StringEquals: aud },
        /does not pin token\.actions\.githubusercontent\.com:sub.*\n.*another owner/,
      ],
      [
        "no aud condition",
        { StringEquals: { [`${GH}:sub`]: "repo:octo/app:environment:prod" } },
        /does not pin .*:aud[\s\S]*another audience/,
      ],
      [
        "another owner (owner wildcard)",
        pinned("repo:*/app:environment:prod", "StringLike"),
        /a token from another owner \(sub repo:[^/@]+\/app:environment:prod\)/,
      ],
      ["another repository (repo:octo/*)", pinned("repo:octo/*", "StringLike"), /a token from another repository/],
      [
        "another branch, environment and pull request (repo:octo/app:*)",
        pinned("repo:octo/app:*", "StringLike"),
        /a pull request.*another branch.*another environment/,
      ],
      [
        "another environment (environment:*)",
        pinned("repo:octo/app:environment:*", "StringLike"),
        /another environment/,
      ],
      [
        "a pull request subject",
        pinned("repo:octo/app:pull_request"),
        /a pull request \(from any branch; from forks too under pull_request_target\)/,
      ],
      [
        "the immutable form with another ID (wildcarded IDs)",
        pinned("repo:octo@*/app@*:environment:prod", "StringLike"),
        /immutable subject form with another owner ID.*another repository ID/,
      ],
      [
        "a token without sub (ForAllValues)",
        { StringEquals: aud, "ForAllValues:StringEquals": { [`${GH}:sub`]: "repo:octo/app:environment:prod" } },
        /a token without a sub claim \(no sub\)/,
      ],
      [
        "a token without sub (StringEqualsIfExists)",
        { StringEquals: aud, StringEqualsIfExists: { [`${GH}:sub`]: "repo:octo/app:environment:prod" } },
        /without a sub claim/,
      ],
      [
        "a branch differing only in case (IgnoreCase)",
        { StringEquals: aud, StringEqualsIgnoreCase: { [`${GH}:sub`]: "repo:octo/app:ref:refs/heads/main" } },
        /differing only in case.*\(sub repo:octo\/app:ref:refs\/heads\/MAIN\)/,
      ],
      ["a list that contains *", pinned(["repo:octo/app:environment:prod", "*"], "StringLike"), /another owner/],
      [
        "StringNotEquals alone (a blocklist)",
        { StringEquals: aud, StringNotEquals: { [`${GH}:sub`]: "repo:octo/app:pull_request" } },
        /does not pin .*:sub/,
      ],
    ];
    for (const [name, condition, expected] of cases) {
      it(name, async () => assert.match(await problems(role(condition)), expected));
    }

    it('Federated "*"', async () => {
      const policy = trust(pinned("repo:octo/app:environment:prod"));
      (policy.Statement as Array<Record<string, unknown>>)[0].Principal = { Federated: "*" };
      assert.match(await problems({ assumeRolePolicy: policy }), /trusts every identity provider/);
    });

    it("names the resource, the property and the fix", async () => {
      const [message] = await check(federation, ROLE, role({ StringEquals: aud }));
      assert.match(message, /^aws:iam\/role:Role "r" at assumeRolePolicy: .*\. Fix: pin aud with StringEquals and sub/);
    });
  });

  describe("other OIDC issuers (EKS, GitLab, ...)", () => {
    const eks = "oidc.eks.ap-southeast-2.amazonaws.com/id/ABC";
    const eksRole = (condition: unknown) => ({
      assumeRolePolicy: JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRoleWithWebIdentity",
            Principal: { Federated: `arn:aws:iam::${fake.accountId()}:oidc-provider/${eks}` },
            Condition: condition,
          },
        ],
      }),
    });
    it("passes exact aud and sub", async () => {
      assert.equal(
        await problems(
          eksRole({
            StringEquals: { [`${eks}:aud`]: "sts.amazonaws.com", [`${eks}:sub`]: "system:serviceaccount:sync:worker" },
          }),
        ),
        "",
      );
    });
    it("fails a subject wildcard and a missing aud", async () => {
      const found = await problems(eksRole({ StringLike: { [`${eks}:sub`]: "system:serviceaccount:sync:*" } }));
      assert.match(found, /does not pin .*:aud/);
      assert.match(found, /another subject through the wildcard/);
    });
  });
});

describe("policy rule federation-admits-only-the-intended-workload: Entra federated credentials", () => {
  const APP_FIC = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
  const MI_FIC = "azure-native:managedidentity:FederatedIdentityCredential";
  const FLEX =
    "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential";
  const good = {
    issuer: `https://${GH}`,
    subject: "repo:octo/app:environment:prod",
    audiences: ["api://AzureADTokenExchange"],
  };

  it("passes an exact GitHub subject (app registration and managed identity)", async () => {
    assert.equal(await problems(good, {}, APP_FIC), "");
    assert.equal(await problems(good, {}, MI_FIC), "");
  });

  it("passes the AWS outbound-federation trust of the worker (issuer and role ARN subject)", async () => {
    const account = fake.accountId();
    assert.equal(
      await problems(
        {
          issuer: "https://1b2c3d4e.tokens.sts.global.api.aws",
          subject: `arn:aws:iam::${account}:role/worker-task`,
          audiences: ["api://AzureADTokenExchange"],
        },
        {},
        MI_FIC,
      ),
      "",
    );
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      "a wrong audience",
      { ...good, audiences: ["api://something-else"] },
      /audience "api:\/\/something-else" is not api:\/\/AzureADTokenExchange/,
    ],
    ["a non-HTTPS issuer", { ...good, issuer: `http://${GH}` }, /is not an HTTPS URL/],
    ["a wildcard subject", { ...good, subject: "repo:octo/*" }, /contains a wildcard/],
    ["a pull_request subject", { ...good, subject: "repo:octo/app:pull_request" }, /admits pull requests/],
  ];
  for (const [name, props, expected] of bad) {
    it(`fails ${name}`, async () => assert.match(await problems(props, {}, MI_FIC), expected));
  }

  it("accepts another audience only when configured", async () => {
    const props = { ...good, audiences: ["api://custom"] };
    assert.notEqual(await problems(props, {}, APP_FIC), "");
    assert.equal(await problems(props, { allowedAudiences: ["api://custom"] }, APP_FIC), "");
  });

  describe("flexible credentials (claimsMatchingExpression)", () => {
    const flex = (expression: string) => ({
      issuer: `https://${GH}`,
      audience: "api://AzureADTokenExchange",
      claimsMatchingExpression: expression,
    });
    it("passes a narrow expression", async () => {
      assert.equal(
        await problems(flex("claims['sub'] matches 'repo:octo/app:ref:refs/heads/release/*'"), {}, FLEX),
        "",
      );
      assert.equal(
        await problems(
          flex(
            "claims['sub'] eq 'repo:octo/app:environment:prod' and claims['job_workflow_ref'] matches 'octo/app/.github/workflows/*@refs/heads/main'",
          ),
          {},
          FLEX,
        ),
        "",
      );
    });
    it("fails an expression as broad as a wildcard", async () => {
      assert.match(
        await problems(flex("claims['sub'] matches 'repo:octo/*'"), {}, FLEX),
        /admits a token from another repository/,
      );
      assert.match(await problems(flex("claims['sub'] matches 'repo:*'"), {}, FLEX), /another owner/);
    });
    it("fails an expression it cannot evaluate, or one without sub", async () => {
      assert.match(await problems(flex("claims['sub'] startswith 'repo:octo/'"), {}, FLEX), /cannot be evaluated/);
      assert.match(
        await problems(
          flex("claims['job_workflow_ref'] eq 'octo/app/.github/workflows/d.yml@refs/heads/main'"),
          {},
          FLEX,
        ),
        /does not constrain sub/,
      );
      // Entra supports only sub and job_workflow_ref for GitHub: a clause on another claim is refused.
      assert.match(
        await problems(flex("claims['sub'] matches 'repo:octo/*' and claims['repository_id'] eq '5678'"), {}, FLEX),
        /cannot be evaluated: claim "repository_id" is not supported/,
      );
    });
  });
});
