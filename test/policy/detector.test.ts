import { strict as assert } from "node:assert";
import { findSecretsInKeyValues, findSecretsInText, isCloudCredentialName } from "../../policy/detect";
import { fake } from "../../devtools/policy-fixtures/fixtures";

describe("policy/detect: the shared secret detector", () => {
  it("finds an AWS key pair by content and by name, and never repeats the value", async () => {
    const id = fake.awsAccessKeyId();
    const secret = fake.awsSecretAccessKey();
    const findings = await findSecretsInKeyValues({ env: { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret } });
    const where = findings.map((f) => `${f.ruleId}@${f.location}`);
    assert.ok(where.includes("@secretlint/secretlint-rule-aws@env.AWS_SECRET_ACCESS_KEY"), where.join());
    assert.ok(where.includes("@secretlint/secretlint-rule-aws@env.AWS_ACCESS_KEY_ID"), where.join());
    assert.ok(where.includes("zerosecrets/cloud-credential-name@env.AWS_SECRET_ACCESS_KEY"), where.join());
    const text = JSON.stringify(findings);
    assert.ok(!text.includes(secret) && !text.includes(id), "a finding leaked the value");
    assert.ok(!text.includes("****"), "a finding carries the mask (it tells the length)");
  });

  it("finds an Entra client secret under any name (the rule secretlint lacks)", async () => {
    const secret = fake.entraClientSecret();
    const findings = await findSecretsInKeyValues({ SOMETHING: secret });
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.location]),
      [["zerosecrets/entra-client-secret", "SOMETHING"]],
    );
    assert.ok(!JSON.stringify(findings).includes(secret));
  });

  it("skips an Entra-shaped placeholder with low entropy (gitleaks' entropy floor)", async () => {
    const placeholder = "aaa1Q" + "~" + "a".repeat(34);
    assert.deepEqual(await findSecretsInText(`x=${placeholder}`), []);
  });

  it("finds GitHub tokens and private keys in free text, with line numbers", async () => {
    const text = ["first line", `token: ${fake.githubToken()}`, fake.privateKeyPem()].join("\n");
    const findings = await findSecretsInText(text, { fileName: "run.log" });
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.location]),
      [
        ["@secretlint/secretlint-rule-github", "line 2"],
        ["@secretlint/secretlint-rule-privatekey", "line 3"],
      ],
    );
  });

  it("maps a multi-line value back to its own key", async () => {
    const findings = await findSecretsInKeyValues({ a: "plain", key: fake.privateKeyPem(), z: "plain" }, "inputs");
    assert.deepEqual(
      findings.map((f) => f.location),
      ["inputs.key"],
    );
  });

  it("does not flag public identifiers: account IDs, GUIDs, role ARNs, region names", async () => {
    const account = fake.accountId();
    const findings = await findSecretsInKeyValues({
      AWS_ACCOUNT_ID: account,
      AZURE_CLIENT_ID: fake.guid(),
      AZURE_TENANT_ID: fake.guid(),
      AWS_ROLE_ARN: `arn:aws:iam::${account}:role/deploy`,
      AWS_REGION: "ap-southeast-2",
    });
    assert.deepEqual(findings, []);
  });

  it("treats an empty value under a credential name as nothing set", async () => {
    assert.deepEqual(await findSecretsInKeyValues({ AZURE_CLIENT_SECRET: "" }), []);
  });

  it("knows cloud-credential names in their usual spellings, and not public-ID names", () => {
    for (const name of [
      "AWS_SECRET_ACCESS_KEY",
      "AZURE_CLIENT_SECRET",
      "ARM_CLIENT_SECRET",
      "env.AWS_SESSION_TOKEN",
      "awsSecretAccessKey",
      "prod-client-secret",
      "PULUMI_ACCESS_TOKEN",
    ]) {
      assert.ok(isCloudCredentialName(name), name);
    }
    for (const name of [
      "AZURE_CLIENT_ID",
      "AWS_ROLE_ARN",
      "AZURE_TENANT_ID",
      "clientSecretSettingName",
      "SECRET_NAME",
      "AWS_REGION",
    ]) {
      assert.ok(!isCloudCredentialName(name), name);
    }
  });
});
