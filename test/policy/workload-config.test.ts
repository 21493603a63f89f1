import { strict as assert } from "node:assert";
import { workloadConfig } from "../../policy/rules/workload-config";
import { check, fake } from "../../devtools/policy-fixtures/fixtures";

const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const LAMBDA = "aws:lambda/function:Function";

function containerDefinitions(
  environment: Array<{ name: string; value: string }>,
  secrets: Array<{ name: string; valueFrom: string }> = [],
): string {
  return JSON.stringify([{ name: "worker", image: "public.ecr.aws/example/worker:1", environment, secrets }]);
}

describe("policy rule no-secrets-in-workload-config", () => {
  it("parses ECS container definitions and fails a key pair in the environment", async () => {
    const messages = await check(workloadConfig, TASK, {
      family: "worker",
      containerDefinitions: containerDefinitions([
        { name: "AWS_ACCESS_KEY_ID", value: fake.awsAccessKeyId() },
        { name: "AWS_SECRET_ACCESS_KEY", value: fake.awsSecretAccessKey() },
      ]),
    });
    assert.deepEqual(
      messages.map((m) => m.split(": ")[0]),
      [
        `${TASK} "r" at containerDefinitions[0].environment[0].AWS_ACCESS_KEY_ID`,
        `${TASK} "r" at containerDefinitions[0].environment[1].AWS_SECRET_ACCESS_KEY`,
      ],
    );
    assert.ok(messages.every((m) => /Fix: use an IAM role/.test(m)));
  });

  it("fails a Secrets Manager reference that delivers an Entra client secret", async () => {
    const [message, ...rest] = await check(workloadConfig, TASK, {
      containerDefinitions: containerDefinitions(
        [],
        [{ name: "AZURE_CLIENT_SECRET", valueFrom: "arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:entra" }],
      ),
    });
    assert.equal(rest.length, 0);
    assert.match(
      message,
      /secrets\[0\]\.AZURE_CLIENT_SECRET: .*a secret stored elsewhere is still a long-lived secret.*Fix: use a federated identity credential/,
    );
  });

  it("passes a task definition with public IDs only (the worker's own shape)", async () => {
    const account = fake.accountId();
    assert.deepEqual(
      await check(workloadConfig, TASK, {
        family: "worker",
        taskRoleArn: `arn:aws:iam::${account}:role/worker-task`,
        containerDefinitions: containerDefinitions([
          { name: "AZURE_CLIENT_ID", value: fake.guid() },
          { name: "AZURE_TENANT_ID", value: fake.guid() },
          { name: "AWS_REGION", value: "ap-southeast-2" },
          { name: "BUCKET", value: "sync-bucket" },
          { name: "WEB_IDENTITY_AUDIENCE", value: "api://AzureADTokenExchange" },
        ]),
      }),
      [],
    );
  });

  it("fails a Lambda environment variable by name and content", async () => {
    const messages = await check(workloadConfig, LAMBDA, {
      environment: { variables: { ARM_CLIENT_SECRET: fake.entraClientSecret() } },
    });
    assert.equal(messages.length, 1);
    assert.match(messages[0], /environment\.variables\.ARM_CLIENT_SECRET: .*cloud-credential name.*client secret/);
  });

  it("fails App Service settings, including a Key Vault reference to a client secret", async () => {
    const messages = await check(workloadConfig, "azure-native:web:WebApp", {
      siteConfig: {
        appSettings: [
          {
            name: "AZURE_CLIENT_SECRET",
            value: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/entra)",
          },
          { name: "WEBSITE_RUN_FROM_PACKAGE", value: "1" },
        ],
      },
    });
    assert.equal(messages.length, 1);
    assert.match(messages[0], /appSettings\[0\]\.AZURE_CLIENT_SECRET: .*secret store/);
  });

  it("fails Container Apps secrets and env entries", async () => {
    const messages = await check(workloadConfig, "azure-native:app:ContainerApp", {
      configuration: { secrets: [{ name: "gh", value: fake.githubToken() }] },
      template: { containers: [{ name: "c", env: [{ name: "AZURE_CLIENT_SECRET", secretRef: "entra" }] }] },
    });
    assert.equal(messages.length, 2, messages.join("\n"));
  });

  it("reads an SSM parameter's value under the parameter's name", async () => {
    assert.equal(
      (
        await check(workloadConfig, "aws:ssm/parameter:Parameter", {
          name: "/prod/azure-client-secret",
          type: "SecureString",
          value: "opaque",
        })
      ).length,
      1,
    );
    assert.deepEqual(
      await check(workloadConfig, "aws:ssm/parameter:Parameter", {
        name: "/prod/bucket-name",
        type: "String",
        value: "sync-bucket",
      }),
      [],
    );
  });

  it("parses a Secrets Manager JSON secret string", async () => {
    const messages = await check(workloadConfig, "aws:secretsmanager/secretVersion:SecretVersion", {
      secretString: JSON.stringify({ clientId: fake.guid(), clientSecret: fake.entraClientSecret() }),
    });
    assert.equal(messages.length, 1);
    assert.match(messages[0], /secretString\.clientSecret/);
  });

  it("decodes base64 user data and finds a private key in it", async () => {
    const script = `#!/bin/sh\ncat > /etc/key.pem <<EOF\n${fake.privateKeyPem()}EOF\n`;
    const messages = await check(workloadConfig, "aws:ec2/launchTemplate:LaunchTemplate", {
      userData: Buffer.from(script).toString("base64"),
    });
    assert.equal(messages.length, 1);
    assert.match(messages[0], /at userData: found .*private key/i);
  });

  it("scans any string input of any resource", async () => {
    const messages = await check(workloadConfig, "vendor:index/thing:Thing", {
      description: `see ${fake.githubToken()}`,
    });
    assert.equal(messages.length, 1);
  });

  it("leaves GitHub secrets and variables to no-credentials-in-ci (one report per problem)", async () => {
    assert.deepEqual(
      await check(workloadConfig, "github:index/actionsSecret:ActionsSecret", {
        secretName: "AWS_SECRET_ACCESS_KEY",
        plaintextValue: fake.awsSecretAccessKey(),
      }),
      [],
    );
  });
});
