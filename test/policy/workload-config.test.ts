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

  describe("credentials inside composite strings, secret-like names, program-marked secrets", () => {
    const WEBAPP = "azure-native:web:WebApp";
    const b64 = (n: number) =>
      Buffer.from(fake.awsSecretAccessKey() + fake.awsSecretAccessKey())
        .toString("base64")
        .slice(0, n);
    const settings = (name: string, value: string) => ({ siteConfig: { appSettings: [{ name, value }] } });
    const caught: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        "a storage connection string (AccountKey=)",
        settings(
          "AzureWebJobsStorage",
          `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${b64(88)};EndpointSuffix=core.windows.net`,
        ),
        /account key/,
      ],
      [
        "a Service Bus connection string (SharedAccessKey=)",
        settings("BUS", `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${b64(44)}`),
        /shared access key/,
      ],
      [
        "a SAS token in a URL",
        settings(
          "UPLOAD_URL",
          `https://a.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=rw&se=2030-01-01T00:00:00Z&sig=${encodeURIComponent(b64(44))}`,
        ),
        /shared access signature/,
      ],
      [
        "an ADO.NET connection string with a password",
        settings(
          "SQL",
          `Server=tcp:db.database.windows.net,1433;Database=app;User ID=app;Password=${b64(20)};Encrypt=true`,
        ),
        /password in a database connection string/,
      ],
      [
        "a database URL with a password",
        settings("DATABASE_URL", `postgres://app:${b64(20)}@db.internal:5432/app`),
        /.+/,
      ],
      [
        "an OAuth client secret under GITHUB_SECRET",
        settings("GITHUB_SECRET", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"),
        /secret-like name GITHUB_SECRET/,
      ],
    ];
    for (const [what, props, says] of caught) {
      it(`fails ${what}`, async () => {
        const messages = await check(workloadConfig, WEBAPP, props);
        assert.equal(messages.length, 1, messages.join("\n"));
        assert.match(messages[0], says);
      });
    }

    const clean: Array<[string, Record<string, unknown>]> = [
      ["identity-based storage settings", settings("AzureWebJobsStorage__accountName", "zsfunc")],
      [
        "a connection string without a key",
        settings(
          "APPLICATIONINSIGHTS_CONNECTION_STRING",
          "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x.in.applicationinsights.azure.com/",
        ),
      ],
      ["a blob URL without a signature", settings("UPLOAD_URL", "https://a.blob.core.windows.net/c/file.txt")],
      ["a low-entropy value under a KEY name", settings("CACHE_KEY", "user-profile-v2")],
      [
        "a Key Vault reference under a secret-like name",
        settings("DB_PASSWORD", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db)"),
      ],
    ];
    for (const [what, props] of clean) {
      it(`passes ${what}`, async () => assert.deepEqual(await check(workloadConfig, WEBAPP, props), []));
    }

    it("a secret store may keep a secret that is not a cloud credential, never a cloud credential", async () => {
      const store = "aws:secretsmanager/secretVersion:SecretVersion";
      const kept = {
        secretString: JSON.stringify({
          GITHUB_SECRET: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
          DATABASE_URL: `postgres://app:${b64(20)}@db:5432/app`,
        }),
      };
      assert.deepEqual(await check(workloadConfig, store, kept), []);
      const key = { secretString: `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${b64(88)}` };
      assert.equal((await check(workloadConfig, store, key)).length, 1);
      const ssm = { name: "/app/db-url", type: "SecureString", value: `postgres://app:${b64(20)}@db:5432/app` };
      assert.deepEqual(await check(workloadConfig, "aws:ssm/parameter:Parameter", ssm), []);
      assert.equal((await check(workloadConfig, "aws:ssm/parameter:Parameter", { ...ssm, type: "String" })).length, 1);
    });

    it("a value the program marked secret in plain environment variables fails; in a store or elsewhere it does not", async () => {
      const resource = (type: string, props: Record<string, unknown>, secretPaths: string[]) =>
        workloadConfig.check(
          { type, name: "r", urn: `urn:pulumi:dev::zs::${type}::r`, props, secretPaths: new Set(secretPaths) },
          {},
        );
      const lambda = await resource(LAMBDA, { environment: { variables: { SALT: "pepper" } } }, [
        "environment.variables.SALT",
      ]);
      assert.equal(lambda.length, 1);
      assert.match(
        lambda[0],
        /at environment\.variables\.SALT: a value the program marks secret is set in plain workload configuration/,
      );
      assert.deepEqual(
        await resource("aws:ssm/parameter:Parameter", { name: "/salt", type: "SecureString", value: "pepper" }, [
          "value",
        ]),
        [],
      );
      assert.deepEqual(await resource("aws:s3/bucket:Bucket", { bucket: "b" }, ["bucket"]), []);
      const app = await resource(
        "azure-native:app:ContainerApp",
        { configuration: { secrets: [{ name: "s", value: "pepper" }] } },
        ["configuration.secrets[0].value"],
      );
      assert.deepEqual(app, []);
    });
  });
});
