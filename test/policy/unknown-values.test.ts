import { strict as assert } from "node:assert";
import { UNKNOWN_STRING } from "../../tools/policy-gate";
import { ciCredentials } from "../../policy/rules/ci-credentials";
import { federation } from "../../policy/rules/federation";
import { unknownValues } from "../../policy/rules/unknown-values";
import { check } from "../../devtools/policy-fixtures/fixtures";

/**
 * The decision under test: a value unknown during preview is never passed silently. The rule
 * families cannot judge it and say nothing; values-unknown-during-preview names it; at update the
 * values are known and the families judge them (the other test files).
 */
describe("policy rule values-unknown-during-preview", () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    [
      "an ECS task's container definitions",
      "aws:ecs/taskDefinition:TaskDefinition",
      { family: "w", containerDefinitions: UNKNOWN_STRING },
      /unknown: containerDefinitions\)/,
    ],
    [
      "one Lambda environment variable",
      "aws:lambda/function:Function",
      { environment: { variables: { BUCKET: UNKNOWN_STRING } } },
      /environment\.variables\.BUCKET/,
    ],
    ["a whole trust policy", "aws:iam/role:Role", { assumeRolePolicy: UNKNOWN_STRING }, /unknown: assumeRolePolicy\)/],
    [
      "a condition value of a trust policy",
      "aws:iam/role:Role",
      { assumeRolePolicy: { Statement: [{ Condition: { StringEquals: { "x:sub": UNKNOWN_STRING } } }] } },
      /assumeRolePolicy\.Statement\[0\]\.Condition\.StringEquals\.x:sub/,
    ],
    [
      "a federated credential's issuer and subject",
      "azure-native:managedidentity:FederatedIdentityCredential",
      { issuer: UNKNOWN_STRING, subject: UNKNOWN_STRING, audiences: ["api://AzureADTokenExchange"] },
      /unknown: issuer, subject\)/,
    ],
    [
      "a CI secret's name",
      "github:index/actionsSecret:ActionsSecret",
      { secretName: UNKNOWN_STRING },
      /unknown: secretName\)/,
    ],
  ];
  for (const [what, type, props, expected] of cases) {
    it(`reports ${what}`, async () => {
      const [message, ...rest] = await check(unknownValues, type, props);
      assert.equal(rest.length, 0);
      assert.match(message, expected);
      assert.match(message, /judges it when pulumi up registers the resource/);
    });
  }

  it("is advisory by default, so that `pulumi up`'s own preview can create a stack", () => {
    assert.equal(unknownValues.enforcementLevel, "advisory");
  });

  it("stays quiet when the watched values are known, or only other outputs are unknown", async () => {
    assert.deepEqual(
      await check(unknownValues, "aws:ecs/taskDefinition:TaskDefinition", {
        containerDefinitions: "[]",
        executionRoleArn: UNKNOWN_STRING,
      }),
      [],
    );
  });

  it("the families neither pass nor guess on unknowns: no finding from them, no false alarm", async () => {
    assert.deepEqual(await check(federation, "aws:iam/role:Role", { assumeRolePolicy: UNKNOWN_STRING }), []);
    assert.deepEqual(
      await check(federation, "azure-native:managedidentity:FederatedIdentityCredential", {
        issuer: UNKNOWN_STRING,
        subject: UNKNOWN_STRING,
        audiences: ["api://AzureADTokenExchange"],
      }),
      [],
    );
    assert.deepEqual(
      await check(ciCredentials, "github:index/actionsSecret:ActionsSecret", { secretName: UNKNOWN_STRING }),
      [],
    );
  });

  it("a known part of a partly unknown trust is still judged", async () => {
    const GH = "token.actions.githubusercontent.com";
    const policy = {
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRoleWithWebIdentity",
          Principal: { Federated: UNKNOWN_STRING },
          Condition: {
            StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com" },
            StringLike: { [`${GH}:sub`]: "repo:octo/*" },
          },
        },
      ],
    };
    assert.match(
      (await check(federation, "aws:iam/role:Role", { assumeRolePolicy: policy })).join("\n"),
      /another repository/,
    );
  });
});
