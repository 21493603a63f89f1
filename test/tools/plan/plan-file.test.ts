/**
 * The plan file's pieces without the runtime: masking (runtime secret paths, detector findings by content and by
 * name, `{ name, value }` pairs, inside JSON strings, under keys that contain dots), the deterministic layout,
 * and the `pulumi preview`-style tree.
 */
import { REPO_ROOT } from "../../../devtools/repo-root";
import { strict as assert } from "node:assert";
import { join, resolve } from "node:path";
import { maskInputs } from "../../../tools/plan/mask";
import { buildPlanFile, readPlanFile, serialisePlan, SECRET_MARK } from "../../../tools/plan/plan-file";
import { formatPath, parsePath } from "../../../tools/plan/property-path";
import { renderPlanTree } from "../../../tools/plan/tree";
import { fake } from "../../../devtools/policy-fixtures/fixtures";

const fixtures = resolve(REPO_ROOT, "devtools", "fixtures", "plan");

describe("plan file", () => {
  it("masks runtime secret paths, detected secrets, credential-named pairs and secrets inside JSON strings", async () => {
    const keyId = fake.awsAccessKeyId();
    const secretKey = fake.awsSecretAccessKey();
    const entra = fake.entraClientSecret();
    const dbPassword = fake.awsSecretAccessKey();
    const inputs = {
      family: "sync",
      password: dbPassword,
      tags: { note: `rotated key ${keyId}` },
      settings: {
        AZURE_CLIENT_SECRET: entra,
        "token.actions.githubusercontent.com:sub": "repo:acme/platform:ref:refs/heads/main",
      },
      containerDefinitions: JSON.stringify([
        {
          name: "worker",
          environment: [
            { name: "AWS_SECRET_ACCESS_KEY", value: secretKey },
            { name: "SITE_ID", value: "site-1" },
          ],
        },
      ]),
    };
    const masked = await maskInputs(inputs, ["password"]);
    const text = JSON.stringify(masked);
    for (const value of [keyId, secretKey, entra, dbPassword])
      assert.ok(!text.includes(value), "a secret value survived masking");
    assert.equal(masked.password, SECRET_MARK);
    assert.equal((masked.settings as Record<string, string>).AZURE_CLIENT_SECRET, SECRET_MARK);
    // What is not secret stays readable, the JSON string stays JSON.
    assert.equal(masked.family, "sync");
    assert.equal(
      (masked.settings as Record<string, string>)["token.actions.githubusercontent.com:sub"],
      "repo:acme/platform:ref:refs/heads/main",
    );
    const containers = JSON.parse(masked.containerDefinitions as string);
    assert.deepEqual(containers[0].environment, [
      { name: "AWS_SECRET_ACCESS_KEY", value: SECRET_MARK },
      { name: "SITE_ID", value: "site-1" },
    ]);
    assert.deepEqual(inputs.password, dbPassword, "the caller's inputs are not modified");
  });

  it("reads and writes property paths the way Pulumi prints them", () => {
    const path = [
      "assumeRolePolicy",
      "Statement",
      0,
      "Condition",
      "StringEquals",
      "token.actions.githubusercontent.com:sub",
    ];
    assert.equal(
      formatPath(path),
      'assumeRolePolicy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]',
    );
    assert.deepEqual(parsePath(formatPath(path)), path);
    assert.deepEqual(parsePath("environment.variables.0.value"), ["environment", "variables", 0, "value"]);
    assert.deepEqual(parsePath("/a~1b/2"), ["a/b", 2]);
  });

  it("lays resources out by URN with sorted keys, so equal plans are equal bytes", () => {
    const plan = readPlanFile(join(fixtures, "plan-pr.json"));
    const shuffled = plan.resources
      .map((resource) => ({ ...resource, inputs: Object.fromEntries(Object.entries(resource.inputs).reverse()) }))
      .reverse();
    assert.equal(serialisePlan(buildPlanFile(plan.project, plan.stack, shuffled)), serialisePlan(plan));
  });

  it("prints the tree with components nesting their children, types in Pulumi's short form", () => {
    assert.equal(
      renderPlanTree(readPlanFile(join(fixtures, "plan-pr.json"))),
      [
        "     Type                                                          Name",
        " +   pulumi:pulumi:Stack                                           zero-secrets-stack-dev",
        " +   ├─ aws:cloudwatch:LogGroup                                    sync-logs",
        " +   ├─ aws:dynamodb:Table                                         sync-checkpoints",
        " +   ├─ aws:ecs:TaskDefinition                                     sync-task",
        " +   ├─ azure-native:managedidentity:FederatedIdentityCredential   github-env-dev",
        " +   └─ zerosecrets:aws:GithubActionsAws                           github",
        " +      ├─ aws:iam:Role                                            github-deploy-dev",
        " +      └─ aws:iam:Role                                            github-preview",
        "",
        "Resources:",
        "    + 8 to create",
      ].join("\n"),
    );
  });
});
