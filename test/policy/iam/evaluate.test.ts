/**
 * The evaluator against IAM's own documented evaluation examples. Each case cites the page of the IAM User Guide
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>) whose example or rule it replays.
 */
import { strict as assert } from "node:assert";
import {
  evaluateIdentityPolicy,
  evaluatePolicies,
  evaluateTrustPolicy,
  parsePolicy,
  PolicyDocumentError,
  RequestContext,
} from "../../../policy/iam";

const ACCOUNT = "111122223333";
const doc = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });
const allowAll = { Effect: "Allow", Action: "*", Resource: "*" };

function decide(policy: unknown, action: string, resource = "*", context: RequestContext = {}) {
  return evaluateIdentityPolicy(policy, { action, resource, context }).decision;
}

describe("IAM evaluator: policy evaluation logic (reference_policies_evaluation-logic.html)", () => {
  it("denies by default (implicit deny) and says no statement allows it", () => {
    const d = evaluateIdentityPolicy(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }), {
      action: "s3:PutObject",
      resource: "arn:aws:s3:::b/k",
    });
    assert.equal(d.decision, "implicitDeny");
    assert.match(d.reason, /no statement allows it .*action s3:PutObject is not covered/);
  });

  it("an explicit Deny overrides any Allow, across documents, and names the statement", () => {
    const d = evaluateIdentityPolicy(
      [doc(allowAll), doc({ Sid: "NoDelete", Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" })],
      { action: "s3:DeleteObject", resource: "arn:aws:s3:::b/k" },
    );
    assert.equal(d.decision, "deny");
    assert.deepEqual(d.statement, { policy: 1, index: 0, sid: "NoDelete", effect: "Deny" });
    assert.equal(
      decide([doc(allowAll), doc({ Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" })], "s3:GetObject"),
      "allow",
    );
  });

  it("a permissions boundary caps the identity policy: both must allow (reference_policies_evaluation-logic_policies.html)", () => {
    // The documented example: the boundary allows s3, cloudwatch and ec2; the identity policy allows
    // iam:CreateUser; the user cannot create users.
    const boundary = doc({ Effect: "Allow", Action: ["s3:*", "cloudwatch:*", "ec2:*"], Resource: "*" });
    const identity = doc({ Effect: "Allow", Action: ["iam:CreateUser", "s3:GetObject"], Resource: "*" });
    const create = evaluateIdentityPolicy(
      identity,
      { action: "iam:CreateUser", resource: "*" },
      { permissionsBoundary: boundary },
    );
    assert.equal(create.decision, "implicitDeny");
    assert.match(create.reason, /permissions boundary does not allow it/);
    assert.equal(
      evaluateIdentityPolicy(identity, { action: "s3:GetObject", resource: "*" }, { permissionsBoundary: boundary })
        .decision,
      "allow",
    );
    const denyingBoundary = doc(allowAll, { Effect: "Deny", Action: "s3:GetObject", Resource: "*" });
    assert.equal(
      evaluateIdentityPolicy(
        identity,
        { action: "s3:GetObject", resource: "*" },
        { permissionsBoundary: denyingBoundary },
      ).decision,
      "deny",
    );
  });
});

describe("IAM evaluator: Action and NotAction (reference_policies_elements_action.html, _notaction.html)", () => {
  it('wildcards anywhere in the action name: "iam:*AccessKey*"', () => {
    const policy = doc({ Effect: "Allow", Action: "iam:*AccessKey*", Resource: "*" });
    for (const a of ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"])
      assert.equal(decide(policy, a), "allow", a);
    assert.equal(decide(policy, "iam:CreateUser"), "implicitDeny");
  });

  it("action names are case-insensitive; ? is one character", () => {
    assert.equal(decide(doc({ Effect: "Allow", Action: "S3:getobject", Resource: "*" }), "s3:GetObject"), "allow");
    assert.equal(
      decide(doc({ Effect: "Allow", Action: "sts:AssumeRole?", Resource: "*" }), "sts:AssumeRole"),
      "implicitDeny",
    );
  });

  it("NotAction with Allow: everything except IAM", () => {
    const policy = doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" });
    assert.equal(decide(policy, "s3:GetObject"), "allow");
    assert.equal(decide(policy, "iam:CreateUser"), "implicitDeny");
  });

  it("NotAction with Deny and BoolIfExists: without MFA, deny everything but IAM", () => {
    const policy = doc(allowAll, {
      Effect: "Deny",
      NotAction: "iam:*",
      Resource: "*",
      Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
    });
    assert.equal(decide(policy, "ec2:RunInstances"), "deny", "no MFA key: IfExists is true");
    assert.equal(decide(policy, "ec2:RunInstances", "*", { "aws:MultiFactorAuthPresent": "false" }), "deny");
    assert.equal(decide(policy, "ec2:RunInstances", "*", { "aws:MultiFactorAuthPresent": "true" }), "allow");
    assert.equal(decide(policy, "iam:ChangePassword"), "allow");
  });
});

describe("IAM evaluator: Resource and NotResource (reference_policies_elements_resource.html, reference-arns.html)", () => {
  it("wildcards within ARN segments; the resource segment may hold / and :", () => {
    const policy = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/*" });
    assert.equal(decide(policy, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/a/b:c.txt"), "allow");
    assert.equal(decide(policy, "s3:GetObject", "arn:aws:s3:::other-bucket/a"), "implicitDeny");
    const role = doc({ Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::*:role/app-?` });
    assert.equal(decide(role, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/app-1`), "allow");
    assert.equal(decide(role, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/app-12`), "implicitDeny");
  });

  it("a wildcard does not reach across ARN segments", () => {
    const policy = doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: "arn:aws:dynamodb:*:table/t" });
    assert.equal(
      decide(policy, "dynamodb:GetItem", `arn:aws:dynamodb:ap-southeast-2:${ACCOUNT}:table/t`),
      "implicitDeny",
    );
  });

  it("NotResource: every resource but the ones listed", () => {
    const policy = doc({
      Effect: "Allow",
      Action: "s3:*",
      NotResource: ["arn:aws:s3:::hr-documents", "arn:aws:s3:::hr-documents/*"],
    });
    assert.equal(decide(policy, "s3:GetObject", "arn:aws:s3:::public/x"), "allow");
    assert.equal(decide(policy, "s3:GetObject", "arn:aws:s3:::hr-documents/pay.csv"), "implicitDeny");
  });

  it("ARNs are case-sensitive", () => {
    const policy = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::Bucket/*" });
    assert.equal(decide(policy, "s3:GetObject", "arn:aws:s3:::bucket/k"), "implicitDeny");
  });
});

describe("IAM evaluator: Principal and NotPrincipal (reference_policies_elements_principal.html, _notprincipal.html)", () => {
  const trust = (principal: unknown, extra: Record<string, unknown> = {}) =>
    doc({ Effect: "Allow", Action: "sts:AssumeRole", Principal: principal, ...extra });
  const user = { type: "AWS" as const, id: `arn:aws:iam::${ACCOUNT}:user/alice` };

  it('"*" and { "AWS": "*" } admit everyone', () => {
    for (const p of ["*", { AWS: "*" }])
      assert.equal(evaluateTrustPolicy(trust(p), { principal: user, action: "sts:AssumeRole" }).decision, "allow");
  });

  it("an account ID and its root ARN stand for every principal of the account", () => {
    for (const p of [{ AWS: ACCOUNT }, { AWS: `arn:aws:iam::${ACCOUNT}:root` }]) {
      assert.equal(evaluateTrustPolicy(trust(p), { principal: user, action: "sts:AssumeRole" }).decision, "allow");
      const stranger = { type: "AWS" as const, id: "arn:aws:iam::444455556666:user/mallory" };
      assert.equal(
        evaluateTrustPolicy(trust(p), { principal: stranger, action: "sts:AssumeRole" }).decision,
        "implicitDeny",
      );
    }
  });

  it("a Service principal admits only that service", () => {
    const policy = trust({ Service: "ecs-tasks.amazonaws.com" });
    const ecs = { type: "Service" as const, id: "ecs-tasks.amazonaws.com" };
    const lambda = { type: "Service" as const, id: "lambda.amazonaws.com" };
    assert.equal(evaluateTrustPolicy(policy, { principal: ecs, action: "sts:AssumeRole" }).decision, "allow");
    assert.equal(evaluateTrustPolicy(policy, { principal: lambda, action: "sts:AssumeRole" }).decision, "implicitDeny");
  });

  it("NotPrincipal with Deny denies everyone not listed", () => {
    const policy = doc(
      { Effect: "Allow", Action: "s3:GetObject", Principal: "*", Resource: "*" },
      {
        Effect: "Deny",
        Action: "s3:GetObject",
        NotPrincipal: { AWS: [`arn:aws:iam::${ACCOUNT}:user/alice`] },
        Resource: "*",
      },
    );
    const bob = { type: "AWS" as const, id: `arn:aws:iam::${ACCOUNT}:user/bob` };
    assert.equal(
      evaluatePolicies(policy, { action: "s3:GetObject", resource: "*", principal: user }).decision,
      "allow",
    );
    assert.equal(evaluatePolicies(policy, { action: "s3:GetObject", resource: "*", principal: bob }).decision, "deny");
  });
});

describe("IAM evaluator: condition operators (reference_policies_elements_condition_operators.html)", () => {
  const withCondition = (condition: unknown) =>
    doc({ Effect: "Allow", Action: "*", Resource: "*", Condition: condition });

  it("condition key names are case-insensitive (aws:SourceIP is AWS:SourceIp); values are not", () => {
    const policy = withCondition({ IpAddress: { "aws:SourceIP": "203.0.113.0/24" } });
    assert.equal(decide(policy, "s3:GetObject", "*", { "AWS:SourceIp": "203.0.113.7" }), "allow");
    assert.equal(decide(policy, "s3:GetObject", "*", { "aws:sourceip": "198.51.100.7" }), "implicitDeny");
    const tag = withCondition({ StringEquals: { "aws:PrincipalTag/team": "Blue" } });
    assert.equal(decide(tag, "s3:GetObject", "*", { "aws:principaltag/TEAM": "Blue" }), "allow");
    assert.equal(decide(tag, "s3:GetObject", "*", { "aws:PrincipalTag/team": "blue" }), "implicitDeny");
  });

  it("StringLike: * and ? anywhere; StringEqualsIgnoreCase folds case", () => {
    const like = withCondition({ StringLike: { "s3:prefix": ["home/*/docs", "tmp/??"] } });
    assert.equal(decide(like, "s3:ListBucket", "*", { "s3:prefix": "home/alice/docs" }), "allow");
    assert.equal(decide(like, "s3:ListBucket", "*", { "s3:prefix": "tmp/ab" }), "allow");
    assert.equal(decide(like, "s3:ListBucket", "*", { "s3:prefix": "tmp/abc" }), "implicitDeny");
    const ic = withCondition({ StringEqualsIgnoreCase: { "aws:PrincipalTag/team": "blue" } });
    assert.equal(decide(ic, "s3:GetObject", "*", { "aws:PrincipalTag/team": "BLUE" }), "allow");
  });

  it("values listed for one key are ORed, keys and operators ANDed (reference_policies_condition-logic-multiple-context-keys-or-values.html)", () => {
    const policy = withCondition({
      StringEquals: { "aws:PrincipalTag/team": ["a", "b"], "aws:RequestedRegion": "ap-southeast-2" },
      Bool: { "aws:SecureTransport": "true" },
    });
    const ok = { "aws:PrincipalTag/team": "b", "aws:RequestedRegion": "ap-southeast-2", "aws:SecureTransport": "true" };
    assert.equal(decide(policy, "x:Y", "*", ok), "allow");
    assert.equal(decide(policy, "x:Y", "*", { ...ok, "aws:SecureTransport": "false" }), "implicitDeny");
    assert.equal(decide(policy, "x:Y", "*", { ...ok, "aws:RequestedRegion": "us-east-1" }), "implicitDeny");
  });

  it("a missing key fails a positive operator and passes a negated one", () => {
    assert.equal(decide(withCondition({ StringEquals: { "aws:PrincipalTag/team": "a" } }), "x:Y"), "implicitDeny");
    assert.equal(decide(withCondition({ StringNotEquals: { "aws:PrincipalTag/team": "a" } }), "x:Y"), "allow");
    assert.equal(decide(withCondition({ StringNotLike: { "aws:PrincipalTag/team": "a*" } }), "x:Y"), "allow");
  });

  it('IfExists: "StringLikeIfExists ec2:InstanceType t1.*, t2.*, m3.*" (Conditions_IfExists)', () => {
    const policy = withCondition({ StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } });
    assert.equal(decide(policy, "ec2:RunInstances"), "allow", "absent key: true");
    assert.equal(decide(policy, "ec2:RunInstances", "*", { "ec2:InstanceType": "t2.micro" }), "allow");
    assert.equal(decide(policy, "ec2:RunInstances", "*", { "ec2:InstanceType": "m4.large" }), "implicitDeny");
  });

  it('Null: { "aws:TokenIssueTime": "true" } holds only when the key is absent (Conditions_Null)', () => {
    const policy = withCondition({ Null: { "aws:TokenIssueTime": "true" } });
    assert.equal(decide(policy, "x:Y"), "allow");
    assert.equal(decide(policy, "x:Y", "*", { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" }), "implicitDeny");
    const present = withCondition({ Null: { "aws:TokenIssueTime": "false" } });
    assert.equal(decide(present, "x:Y", "*", { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" }), "allow");
  });

  it("Numeric, Date, Bool, IpAddress (IPv4 and IPv6), Arn operators", () => {
    assert.equal(
      decide(withCondition({ NumericLessThanEquals: { "s3:max-keys": "10" } }), "s3:ListBucket", "*", {
        "s3:max-keys": "10",
      }),
      "allow",
    );
    assert.equal(
      decide(withCondition({ NumericLessThanEquals: { "s3:max-keys": "10" } }), "s3:ListBucket", "*", {
        "s3:max-keys": "11",
      }),
      "implicitDeny",
    );
    const before = withCondition({ DateLessThan: { "aws:CurrentTime": "2026-06-30T00:00:00Z" } });
    assert.equal(decide(before, "x:Y", "*", { "aws:CurrentTime": "2026-06-01T12:00:00Z" }), "allow");
    assert.equal(
      decide(before, "x:Y", "*", { "aws:CurrentTime": "1782864000" }),
      "implicitDeny",
      "epoch seconds: 2026-07-01",
    );
    assert.equal(
      decide(withCondition({ IpAddress: { "aws:SourceIp": "2001:db8::/32" } }), "x:Y", "*", {
        "aws:SourceIp": "2001:db8::1",
      }),
      "allow",
    );
    assert.equal(
      decide(withCondition({ NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } }), "x:Y", "*", {
        "aws:SourceIp": "203.0.113.9",
      }),
      "implicitDeny",
    );
    const arn = withCondition({ ArnLike: { "aws:SourceArn": `arn:aws:scheduler:*:${ACCOUNT}:schedule/default/zs-*` } });
    assert.equal(
      decide(arn, "sts:AssumeRole", "*", {
        "aws:SourceArn": `arn:aws:scheduler:ap-southeast-2:${ACCOUNT}:schedule/default/zs-dev-a`,
      }),
      "allow",
    );
    assert.equal(
      decide(arn, "sts:AssumeRole", "*", {
        "aws:SourceArn": `arn:aws:scheduler:ap-southeast-2:444455556666:schedule/default/zs-dev-a`,
      }),
      "implicitDeny",
    );
  });

  it("policy variables, with a default, and ${*} as a literal star (reference_policies_variables.html)", () => {
    const home = doc({
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "*",
      Condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*"] } },
    });
    assert.equal(decide(home, "s3:ListBucket", "*", { "aws:username": "alice", "s3:prefix": "home/alice/x" }), "allow");
    assert.equal(
      decide(home, "s3:ListBucket", "*", { "aws:username": "alice", "s3:prefix": "home/bob/x" }),
      "implicitDeny",
    );
    assert.equal(
      decide(home, "s3:ListBucket", "*", { "s3:prefix": "home//x" }),
      "implicitDeny",
      "no username: no match",
    );
    const team = doc({
      Effect: "Allow",
      Action: "x:Y",
      Resource: "*",
      Condition: { StringEquals: { "aws:ResourceTag/team": "${aws:PrincipalTag/team, 'company-wide'}" } },
    });
    assert.equal(decide(team, "x:Y", "*", { "aws:ResourceTag/team": "company-wide" }), "allow");
    const star = doc({
      Effect: "Allow",
      Action: "x:Y",
      Resource: "*",
      Condition: { StringLike: { "s3:prefix": "a${*}b" } },
    });
    assert.equal(decide(star, "x:Y", "*", { "s3:prefix": "a*b" }), "allow");
    assert.equal(decide(star, "x:Y", "*", { "s3:prefix": "axxb" }), "implicitDeny");
  });

  it("an unknown operator never makes a statement apply", () => {
    assert.equal(
      decide(withCondition({ StringSortOf: { "aws:PrincipalTag/team": "a" } }), "x:Y", "*", {
        "aws:PrincipalTag/team": "a",
      }),
      "implicitDeny",
    );
  });
});

describe("IAM evaluator: multivalued context keys (reference_policies_condition_examples-multi-valued-context-keys.html)", () => {
  // "Deny a single policy condition value for a multivalued context key": Deny iam:Tag*/iam:UnTag* with
  // ForAllValues:StringNotLike aws:TagKeys key1*; the page's table of request contexts and results.
  const deny = doc(allowAll, {
    Sid: "DenyRestrictedTags",
    Effect: "Deny",
    Action: ["iam:Tag*", "iam:UnTag*"],
    Resource: ["*"],
    Condition: { "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } },
  });
  const table: Array<[string[] | undefined, "deny" | "allow"]> = [
    [["key1:legal"], "allow"],
    [["key1:hr", "key1:personnel"], "allow"],
    [["key2:audit"], "deny"],
    [undefined, "deny"],
  ];
  for (const [tags, expected] of table) {
    it(`ForAllValues:StringNotLike key1*, aws:TagKeys ${JSON.stringify(tags ?? "absent")}: ${expected === "deny" ? "match" : "no match"}`, () => {
      const context = tags === undefined ? {} : { "aws:TagKeys": tags };
      assert.equal(decide(deny, "iam:TagRole", "*", context), expected);
    });
  }

  it("ForAllValues is true for an absent or empty key; ForAnyValue false", () => {
    const all = doc({
      Effect: "Allow",
      Action: "*",
      Resource: "*",
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["a", "b"] } },
    });
    assert.equal(decide(all, "x:Y"), "allow");
    assert.equal(decide(all, "x:Y", "*", { "aws:TagKeys": [] }), "allow");
    assert.equal(decide(all, "x:Y", "*", { "aws:TagKeys": ["a", "b"] }), "allow");
    assert.equal(decide(all, "x:Y", "*", { "aws:TagKeys": ["a", "c"] }), "implicitDeny");
    const any = doc({
      Effect: "Allow",
      Action: "*",
      Resource: "*",
      Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["webserver"] } },
    });
    assert.equal(decide(any, "x:Y"), "implicitDeny");
    assert.equal(decide(any, "x:Y", "*", { "aws:TagKeys": [] }), "implicitDeny");
    assert.equal(decide(any, "x:Y", "*", { "aws:TagKeys": ["environment", "webserver", "test"] }), "allow");
    assert.equal(decide(any, "x:Y", "*", { "aws:TagKeys": ["environment", "test"] }), "implicitDeny");
  });

  it("a Null check keeps ForAllValues from passing on an absent key", () => {
    const guarded = doc({
      Effect: "Allow",
      Action: "*",
      Resource: "*",
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] }, Null: { "aws:TagKeys": "false" } },
    });
    assert.equal(decide(guarded, "x:Y"), "implicitDeny");
    assert.equal(decide(guarded, "x:Y", "*", { "aws:TagKeys": ["a"] }), "allow");
  });
});

describe("IAM evaluator: policy documents", () => {
  it("reads string and object forms, a single statement, and names what is wrong", () => {
    assert.equal(parsePolicy(JSON.stringify({ Statement: allowAll })).statements.length, 1);
    assert.throws(() => parsePolicy("{not json"), PolicyDocumentError);
    assert.throws(
      () => parsePolicy({ Statement: [{ Effect: "Permit", Action: "*" }] }),
      /Statement\[0\]\.Effect is "Permit"/,
    );
    assert.throws(
      () => parsePolicy({ Statement: [{ Effect: "Allow", Action: [1] }] }),
      /Statement\[0\]\.Action holds 1/,
    );
    assert.throws(() => parsePolicy({ Version: "2012-10-17" }), /has no Statement/);
  });
});
