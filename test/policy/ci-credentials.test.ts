import { strict as assert } from "node:assert";
import { UNKNOWN_STRING } from "../../tools/policy-gate";
import { ciCredentials, publicIdsAsCiSecrets } from "../../policy/rules/ci-credentials";
import { check, fake } from "../../devtools/policy-fixtures/fixtures";

const SECRET_TYPES = [
  "github:index/actionsSecret:ActionsSecret",
  "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  "github:index/actionsOrganizationSecret:ActionsOrganizationSecret",
  "github:index/dependabotSecret:DependabotSecret",
  "github:index/dependabotOrganizationSecret:DependabotOrganizationSecret",
  "github:index/codespacesSecret:CodespacesSecret",
  "github:index/codespacesOrganizationSecret:CodespacesOrganizationSecret",
  "github:index/codespacesUserSecret:CodespacesUserSecret",
];
const VARIABLE = "github:index/actionsVariable:ActionsVariable";

describe("policy rule no-credentials-in-ci", () => {
  for (const type of SECRET_TYPES) {
    it(`fails ${type.split(":").pop()} named as a cloud credential, whatever its value`, async () => {
      const [message] = await check(ciCredentials, type, {
        secretName: "AWS_SECRET_ACCESS_KEY",
        encryptedValue: "b3BhcXVl",
      });
      assert.match(message, /stores the cloud credential AWS_SECRET_ACCESS_KEY as a CI secret\. Fix: use an IAM role/);
    });
  }

  it("fails a secret whose value is a credential under an innocent name, without printing it", async () => {
    const value = fake.entraClientSecret();
    const messages = await check(ciCredentials, SECRET_TYPES[0], {
      secretName: "DEPLOY_SETTING",
      plaintextValue: value,
    });
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /at plaintextValue: found an Entra ID application client secret\. Fix: use a federated identity credential/,
    );
    assert.ok(!messages[0].includes(value));
  });

  it("fails an Actions variable holding secret material or a credential name", async () => {
    assert.equal(
      (await check(ciCredentials, VARIABLE, { variableName: "TOKEN", value: fake.githubToken() })).length,
      1,
    );
    assert.equal(
      (await check(ciCredentials, VARIABLE, { variableName: "AZURE_CLIENT_SECRET", value: "anything" })).length,
      1,
    );
  });

  it("passes variables with public IDs and secrets that are not cloud credentials", async () => {
    for (const [name, value] of [
      ["AZURE_CLIENT_ID", fake.guid()],
      ["AWS_ROLE_ARN", `arn:aws:iam::${fake.accountId()}:role/deploy`],
      ["AWS_REGION", "ap-southeast-2"],
    ]) {
      assert.deepEqual(await check(ciCredentials, VARIABLE, { variableName: name, value }), [], name);
    }
    assert.deepEqual(
      await check(ciCredentials, SECRET_TYPES[0], {
        secretName: "SLACK_WEBHOOK_PATH",
        plaintextValue: "T000/B000/opaque",
      }),
      [],
    );
  });

  it("leaves a value unknown during preview to the update-time check (values-unknown-during-preview reports it)", async () => {
    assert.deepEqual(
      await check(ciCredentials, SECRET_TYPES[0], { secretName: "DEPLOY_SETTING", plaintextValue: UNKNOWN_STRING }),
      [],
    );
  });

  it("ignores other resource types and the secret-to-repository links", async () => {
    assert.deepEqual(
      await check(
        ciCredentials,
        "github:index/actionsOrganizationSecretRepositories:ActionsOrganizationSecretRepositories",
        { secretName: "AWS_SECRET_ACCESS_KEY" },
      ),
      [],
    );
  });
});

describe("policy rule public-ids-as-ci-secrets (advisory)", () => {
  it("suggests a variable for public IDs kept as secrets, by name or by value", async () => {
    assert.match(
      (
        await check(publicIdsAsCiSecrets, SECRET_TYPES[0], {
          secretName: "AZURE_CLIENT_ID",
          plaintextValue: fake.guid(),
        })
      )[0],
      /Actions variable/,
    );
    assert.equal(
      (
        await check(publicIdsAsCiSecrets, SECRET_TYPES[0], {
          secretName: "DEPLOY_TARGET",
          plaintextValue: `arn:aws:iam::${fake.accountId()}:role/deploy`,
        })
      ).length,
      1,
    );
    assert.deepEqual(
      await check(publicIdsAsCiSecrets, SECRET_TYPES[0], { secretName: "SLACK_WEBHOOK", plaintextValue: "opaque" }),
      [],
    );
    assert.deepEqual(
      await check(publicIdsAsCiSecrets, VARIABLE, { variableName: "AZURE_CLIENT_ID", value: fake.guid() }),
      [],
    );
  });
});
