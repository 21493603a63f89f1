/**
 * Concrete trust decisions (GitHub tokens against IAM trust policies, tokens against Entra credentials) and the
 * symbolic analysis that the pack builds on.
 */
import { strict as assert } from "node:assert";
import {
  analyseWebIdentityTrust,
  evaluateTrustPolicy,
  intersectGlobs,
  literalGlob,
  matchFederatedCredential,
  providerArn,
  webIdentityContext,
  wildcardGlob,
} from "../../../policy/iam";

const GH = "token.actions.githubusercontent.com";
const PROVIDER = providerArn("111122223333");
const principal = { type: "Federated" as const, id: PROVIDER };

function trust(condition: unknown, extra: Record<string, unknown> = {}) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: PROVIDER },
        Condition: condition,
        ...extra,
      },
    ],
  };
}

/** A real-shaped GitHub token's claims (the "OpenID Connect reference" example, adapted). */
function token(over: Record<string, string | undefined> = {}) {
  return {
    sub: "repo:contoso/app:environment:prod",
    aud: "sts.amazonaws.com",
    repository: "contoso/app",
    repository_id: "876543210",
    repository_owner: "contoso",
    repository_owner_id: "1234567",
    ref: "refs/heads/main",
    environment: "prod",
    job_workflow_ref: "contoso/app/.github/workflows/pulumi.yml@refs/heads/main",
    event_name: "push",
    ...over,
  };
}

describe("trust evaluator: GitHub tokens through STS (concrete)", () => {
  it("STS carries aud, sub and the documented GitHub keys only", () => {
    const context = webIdentityContext(GH, token());
    assert.deepEqual(Object.keys(context).sort(), [
      `${GH}:aud`,
      `${GH}:environment`,
      `${GH}:job_workflow_ref`,
      `${GH}:ref`,
      `${GH}:repository`,
      `${GH}:repository_id`,
      `${GH}:sub`,
    ]);
    // Another issuer: only aud and sub.
    assert.deepEqual(Object.keys(webIdentityContext("gitlab.com", token())).sort(), [
      "gitlab.com:aud",
      "gitlab.com:sub",
    ]);
  });

  it("allows the pinned environment and names the statement; denies another one saying which condition failed", () => {
    const policy = trust({
      StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com", [`${GH}:sub`]: "repo:contoso/app:environment:prod" },
    });
    const ok = evaluateTrustPolicy(policy, { principal, context: webIdentityContext(GH, token()) });
    assert.equal(ok.decision, "allow");
    const other = evaluateTrustPolicy(policy, {
      principal,
      context: webIdentityContext(GH, token({ sub: "repo:contoso/app:environment:dev" })),
    });
    assert.equal(other.decision, "implicitDeny");
    assert.match(
      other.reason,
      /condition StringEquals fails: token\.actions\.githubusercontent\.com:sub = "repo:contoso\/app:environment:dev"/,
    );
  });

  it("a condition on repository_owner_id (not exposed by STS) is false, and its IfExists form true", () => {
    const strict = trust({ StringEquals: { [`${GH}:repository_owner_id`]: "1234567" } });
    assert.equal(
      evaluateTrustPolicy(strict, { principal, context: webIdentityContext(GH, token()) }).decision,
      "implicitDeny",
    );
    const lax = trust({
      StringLike: { [`${GH}:sub`]: "repo:*/app:environment:prod" },
      StringEqualsIfExists: { [`${GH}:repository_owner_id`]: "1234567" },
    });
    const evil = token({ sub: "repo:contoso-evil/app:environment:prod", repository_owner_id: "990001" });
    assert.equal(evaluateTrustPolicy(lax, { principal, context: webIdentityContext(GH, evil) }).decision, "allow");
  });

  it("job_workflow_ref pins the workflow: a pull request's ref is refused", () => {
    const policy = trust({
      StringEquals: {
        [`${GH}:sub`]: "repo:contoso/app:environment:prod",
        [`${GH}:job_workflow_ref`]: "contoso/app/.github/workflows/pulumi.yml@refs/heads/main",
      },
    });
    assert.equal(
      evaluateTrustPolicy(policy, { principal, context: webIdentityContext(GH, token()) }).decision,
      "allow",
    );
    const pr = token({ job_workflow_ref: "contoso/app/.github/workflows/pulumi.yml@refs/pull/7/merge" });
    assert.equal(
      evaluateTrustPolicy(policy, { principal, context: webIdentityContext(GH, pr) }).decision,
      "implicitDeny",
    );
  });

  it("another provider is not the principal", () => {
    const policy = trust({ StringEquals: { [`${GH}:sub`]: "repo:contoso/app:environment:prod" } });
    const gitlab = { type: "Federated" as const, id: providerArn("111122223333", "gitlab.com") };
    assert.equal(
      evaluateTrustPolicy(policy, { principal: gitlab, context: webIdentityContext(GH, token()) }).decision,
      "implicitDeny",
    );
  });
});

describe("trust evaluator: Entra federated credentials (concrete)", () => {
  const issuer = `https://${GH}`;
  const fixed = { issuer, audiences: ["api://AzureADTokenExchange"], subject: "repo:contoso/app:environment:prod" };
  const gh = (subject: string, claims: Record<string, string> = {}) => ({
    issuer,
    subject,
    audience: "api://AzureADTokenExchange",
    claims,
  });

  it("matches the subject exactly and case-sensitively, and checks issuer and audience", () => {
    assert.equal(matchFederatedCredential(fixed, gh("repo:contoso/app:environment:prod")).matched, true);
    assert.match(matchFederatedCredential(fixed, gh("repo:contoso/app:environment:Prod")).reason, /case-sensitively/);
    assert.equal(
      matchFederatedCredential(fixed, { ...gh("repo:contoso/app:environment:prod"), audience: "contoso" }).matched,
      false,
    );
    assert.equal(
      matchFederatedCredential(fixed, {
        ...gh("repo:contoso/app:environment:prod"),
        issuer: "https://app.terraform.io",
      }).matched,
      false,
    );
  });

  it("flexible expressions: the documented examples (matches with * and ?, eq, and)", () => {
    const flex = (value: string) => ({
      issuer,
      audiences: ["api://AzureADTokenExchange"],
      claimsMatchingExpression: { value, languageVersion: 1 },
    });
    const branches = flex("claims['sub'] matches 'repo:contoso/contoso-repo-*:ref:refs/heads/????'");
    assert.equal(
      matchFederatedCredential(branches, gh("repo:contoso/contoso-repo-web:ref:refs/heads/main")).matched,
      true,
    );
    assert.equal(
      matchFederatedCredential(branches, gh("repo:contoso/contoso-repo-web:ref:refs/heads/mains")).matched,
      false,
    );
    const both = flex(
      "claims['sub'] eq 'repo:contoso/contoso-repo:ref:refs/heads/main' and claims['job_workflow_ref'] matches 'foo-org/bar-repo/.github/workflows/*@refs/heads/main'",
    );
    const sub = "repo:contoso/contoso-repo:ref:refs/heads/main";
    assert.equal(
      matchFederatedCredential(
        both,
        gh(sub, { job_workflow_ref: "foo-org/bar-repo/.github/workflows/d.yml@refs/heads/main" }),
      ).matched,
      true,
    );
    assert.match(
      matchFederatedCredential(
        both,
        gh(sub, { job_workflow_ref: "foo-org/bar-repo/.github/workflows/d.yml@refs/pull/1/merge" }),
      ).reason,
      /claims\['job_workflow_ref'\] .* fails matches/,
    );
  });

  it("refuses claims and issuers the documentation does not support", () => {
    const owner = {
      issuer,
      audiences: ["api://AzureADTokenExchange"],
      claimsMatchingExpression: "claims['repository_owner'] eq 'contoso'",
    };
    assert.match(matchFederatedCredential(owner, gh("repo:contoso/app:ref:refs/heads/main")).reason, /not supported/);
    const other = {
      issuer: "https://api.pulumi.com/oidc",
      audiences: ["contoso"],
      claimsMatchingExpression: "claims['sub'] matches '*'",
    };
    assert.match(
      matchFederatedCredential(other, { issuer: "https://api.pulumi.com/oidc", subject: "x", audience: "contoso" })
        .reason,
      /only for GitHub, GitLab and Terraform Cloud/,
    );
  });
});

describe("trust evaluator: symbolic analysis", () => {
  it("pattern intersection is exact: a witness when one exists, none otherwise", () => {
    assert.equal(
      intersectGlobs([wildcardGlob("repo:contoso*/app:*"), literalGlob("repo:contoso-x/app:pull_request")]),
      "repo:contoso-x/app:pull_request",
    );
    assert.equal(intersectGlobs([wildcardGlob("a*b"), wildcardGlob("*c")]), undefined);
    assert.equal(intersectGlobs([wildcardGlob("a?c"), wildcardGlob("*b*")]), "abc");
    assert.equal(intersectGlobs([wildcardGlob("x*"), { tokens: [{ kind: "run", exclude: "x" }] }]), undefined);
  });

  const kinds = (condition: unknown, options = {}) =>
    analyseWebIdentityTrust(trust(condition), options).map((f) => f.kind);
  const aud = { [`${GH}:aud`]: "sts.amazonaws.com" };

  it("a wildcard anywhere in the owner is another owner, whatever the literal prefix", () => {
    for (const sub of [
      "repo:contoso*/app:environment:prod",
      "repo:contos?/app:environment:prod",
      "repo:c*o/app:environment:prod",
    ]) {
      const found = analyseWebIdentityTrust(trust({ StringEquals: aud, StringLike: { [`${GH}:sub`]: sub } }));
      const owner = found.find((f) => f.kind === "anotherOwner");
      assert.ok(owner, sub);
      assert.ok(owner.example!.startsWith("repo:c"), `the witness keeps the literal prefix: ${owner.example}`);
    }
  });

  it("a wildcard in the repository part, or in a list of subjects, is another repository", () => {
    assert.ok(
      kinds({ StringEquals: aud, StringLike: { [`${GH}:sub`]: "repo:contoso/app*:environment:prod" } }).includes(
        "anotherRepository",
      ),
    );
    assert.ok(
      kinds({
        StringEquals: aud,
        StringLike: { [`${GH}:sub`]: ["repo:contoso/app:environment:prod", "repo:contoso/*:environment:prod"] },
      }).includes("anotherRepository"),
    );
  });

  it("a pinned repository_id (exposed by STS) holds a repository wildcard; repository_owner_id (not exposed) does not", () => {
    assert.deepEqual(
      kinds({
        StringEquals: { ...aud, [`${GH}:repository_id`]: "876543210" },
        StringLike: { [`${GH}:sub`]: "repo:*/app:environment:prod" },
      }),
      [],
    );
    assert.ok(
      kinds({
        StringEquals: aud,
        StringLike: { [`${GH}:sub`]: "repo:*/app:environment:prod" },
        StringEqualsIfExists: { [`${GH}:repository_owner_id`]: "1234567" },
      }).includes("anotherOwner"),
    );
  });

  it("actions by wildcard and NotAction let the provider in as much as the exact action", () => {
    for (const extra of [
      { Action: "sts:AssumeRoleWith*" },
      { Action: "sts:Assume*" },
      { Action: undefined, NotAction: "sts:TagSession" },
    ]) {
      const found = analyseWebIdentityTrust(trust(undefined, extra)).map((f) => f.kind);
      assert.ok(found.includes("subjectNotPinned") && found.includes("anotherOwner"), JSON.stringify(extra));
    }
  });

  it("narrow patterns pass: an exact environment, a release/* branch pattern", () => {
    assert.deepEqual(kinds({ StringEquals: { ...aud, [`${GH}:sub`]: "repo:contoso/app:environment:prod" } }), []);
    assert.deepEqual(
      kinds({ StringEquals: aud, StringLike: { [`${GH}:sub`]: "repo:contoso/app:ref:refs/heads/release/*" } }),
      [],
    );
  });

  it("any ref or a pull request is a finding for a deploy identity, a reviewed preview identity may admit pull requests", () => {
    const all = kinds({ StringEquals: aud, StringLike: { [`${GH}:sub`]: "repo:contoso/app:*" } });
    for (const k of ["pullRequest", "anyBranch", "anyTag", "anyEnvironment"]) assert.ok(all.includes(k as never), k);
    assert.deepEqual(
      kinds({ StringEquals: { ...aud, [`${GH}:sub`]: "repo:contoso/app:pull_request" } }, { allowPullRequests: true }),
      [],
    );
  });

  it('Principal "*", Federated "*" and NotPrincipal in an Allow trust every identity provider', () => {
    const sub = { StringEquals: { ...aud, [`${GH}:sub`]: "repo:contoso/app:environment:prod" } };
    for (const extra of [
      { Principal: "*" },
      { Principal: { Federated: "*" } },
      { Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } },
    ]) {
      const found = analyseWebIdentityTrust(trust(sub, extra)).map((f) => f.kind);
      assert.deepEqual(found, ["anyProvider"], JSON.stringify(extra));
    }
  });

  it("a Deny with a condition the requester can avoid does not protect; one on the issuer's own keys does", () => {
    const open = trust({ StringEquals: aud, StringLike: { [`${GH}:sub`]: "repo:*/app:environment:prod" } });
    const withDeny = (condition: unknown) => {
      const policy = JSON.parse(JSON.stringify(open));
      policy.Statement.push({
        Effect: "Deny",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: PROVIDER },
        Condition: condition,
      });
      return analyseWebIdentityTrust(policy).map((f) => f.kind);
    };
    assert.ok(withDeny({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }).includes("anotherOwner"));
    assert.deepEqual(withDeny({ StringNotEquals: { [`${GH}:repository`]: "contoso/app" } }), []);
  });
});
