/**
 * Every case of issue 11 through the engine's own path (run-policy-pack, the Analyzer gRPC protocol), both ways: a
 * resource the pack must stop gets a mandatory diagnostic from the named rule, and its legitimate counterpart gets
 * none. One pack, one Analyze call for all cases (resource policies) and one AnalyzeStack (stack policies).
 */
import { strict as assert } from "node:assert";
import { GateDiagnostic, GateResource, PolicyPackSession, secretValue, startPolicyPack } from "../../tools/policy-gate";
import { fake } from "../../devtools/policy-fixtures/fixtures";
import { legacyStackRolesStatements } from "../../devtools/policy-fixtures/legacy-deploy-role";
import { gateResource } from "../../devtools/policy-fixtures/stacks";

const GH = "token.actions.githubusercontent.com";
const ACCOUNT = "111122223333";
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GH}`;
const FEDERATION = "federation-admits-only-the-intended-workload";
const WORKLOAD = "no-secrets-in-workload-config";
const ESCALATION = "no-self-escalation";
const AUD = { [`${GH}:aud`]: "sts.amazonaws.com" };

function trust(condition: unknown, statement: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: PROVIDER },
        ...(condition === undefined ? {} : { Condition: condition }),
        ...statement,
      },
    ],
  });
}
const like = (sub: string | string[]) => trust({ StringEquals: AUD, StringLike: { [`${GH}:sub`]: sub } });
const role = (name: string, policy: string) => gateResource("aws:iam/role:Role", name, { assumeRolePolicy: policy });

/** [resource, the rule that must stop it] for the caught cases; the rule must stay silent on the others. */
interface Case {
  resource: GateResource;
  rule?: string;
  /** What the message must say. */
  says?: RegExp;
}

function cases(): Case[] {
  const storageKey = Buffer.from(fake.awsSecretAccessKey() + fake.awsSecretAccessKey()).toString("base64");
  const connection = `DefaultEndpointsProtocol=https;AccountName=zsfunc;AccountKey=${storageKey};EndpointSuffix=core.windows.net`;
  const oauthSecret = Array.from({ length: 40 }, (_, i) => "0123456789abcdef"[(i * 7 + 3) % 16]).join("");
  const pulumiFic = (audience: string) => ({
    issuer: "https://api.pulumi.com/oidc",
    subject: "pulumi:deploy:org:contoso:project:zs:stack:prod:operation:update:scope:write",
    audiences: [audience],
    resourceGroupName: "rg",
    resourceName: "id",
  });
  return [
    // 1. Partial wildcards: caught wherever they sit in the owner or the repository.
    {
      resource: role("owner-prefix", like("repo:contoso*/app:environment:prod")),
      rule: FEDERATION,
      says: /another owner \(sub repo:contoso\S*\/app:environment:prod\)/,
    },
    {
      resource: role("repo-suffix", like("repo:contoso/app*:environment:prod")),
      rule: FEDERATION,
      says: /another repository/,
    },
    {
      resource: role("owner-one-char", like("repo:contos?/app:environment:prod")),
      rule: FEDERATION,
      says: /another owner/,
    },
    {
      resource: role(
        "list-with-wildcard",
        like(["repo:contoso/app:environment:prod", "repo:contoso/a*:environment:prod"]),
      ),
      rule: FEDERATION,
    },
    {
      resource: gateResource("aws-native:iam:Role", "native-owner-prefix", {
        assumeRolePolicyDocument: JSON.parse(like("repo:contoso*/app:environment:prod")),
      }),
      rule: FEDERATION,
      says: /another owner/,
    },
    {
      resource: role(
        "exact-environment",
        trust({ StringEquals: { ...AUD, [`${GH}:sub`]: "repo:contoso/app:environment:prod" } }),
      ),
    },
    { resource: role("narrow-branch-pattern", like("repo:contoso/app:ref:refs/heads/release/*")) },
    {
      resource: role(
        "id-held-wildcard",
        trust({
          StringEquals: { ...AUD, [`${GH}:repository_id`]: "876543210" },
          StringLike: { [`${GH}:sub`]: "repo:*/app:environment:prod" },
        }),
      ),
    },
    // 2. Actions matched by wildcard and NotAction, with no condition at all.
    {
      resource: role("action-with-star", trust(undefined, { Action: "sts:AssumeRoleWith*" })),
      rule: FEDERATION,
      says: /does not pin .*:sub/,
    },
    { resource: role("action-assume-star", trust(undefined, { Action: "sts:Assume*" })), rule: FEDERATION },
    {
      resource: role("not-action", trust(undefined, { Action: undefined, NotAction: "sts:TagSession" })),
      rule: FEDERATION,
    },
    { resource: role("other-action-only", trust(undefined, { Action: "sts:TagSession" })) },
    // 3. A claim STS does not carry: StringEqualsIfExists on repository_owner_id is true, the subject admits any owner.
    {
      resource: role(
        "absent-claim-ifexists",
        trust({
          StringEquals: AUD,
          StringLike: { [`${GH}:sub`]: "repo:*/app:environment:prod" },
          StringEqualsIfExists: { [`${GH}:repository_owner_id`]: "1234567" },
        }),
      ),
      rule: FEDERATION,
      says: /another owner/,
    },
    // 4. The deploy role that can rewrite itself (today's StackRoles), and the one the stacks build now (own-stacks).
    {
      resource: gateResource("aws:iam/rolePolicy:RolePolicy", "legacy-deploy-permissions", {
        role: "zs-dev-github-deploy-1a2b3c4",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: legacyStackRolesStatements(ACCOUNT, "zs-dev") }),
      }),
      rule: ESCALATION,
      says: /can rewrite its own permissions/,
    },
    {
      resource: gateResource("aws:iam/rolePolicy:RolePolicy", "bounded-permissions", {
        role: "zs-dev-app-1a2b3c4",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "iam:CreateRole",
              Resource: `arn:aws:iam::${ACCOUNT}:role/zs-dev-worker-*`,
              Condition: { StringEquals: { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/b` } },
            },
          ],
        }),
      }),
    },
    // A role given an AWS managed policy that grants IAM writes by ARN is judged like one holding it inline.
    {
      resource: gateResource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "iam-full-access", {
        role: "zs-dev-app-1a2b3c4",
        policyArn: "arn:aws:iam::aws:policy/IAMFullAccess",
      }),
      rule: ESCALATION,
      says: /at policyArn: can rewrite its own permissions/,
    },
    {
      resource: gateResource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "read-only-access", {
        role: "zs-dev-app-1a2b3c4",
        policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      }),
    },
    // 6. A storage account key in App Service settings, and an OAuth client secret in an ECS environment.
    {
      resource: gateResource("azure-native:web:WebApp", "functions-storage-key", {
        siteConfig: { appSettings: [{ name: "AzureWebJobsStorage", value: connection }] },
      }),
      rule: WORKLOAD,
      says: /AzureWebJobsStorage: found an Azure Storage account key/,
    },
    {
      resource: gateResource("aws:ecs/taskDefinition:TaskDefinition", "github-oauth-secret", {
        family: "app",
        containerDefinitions: JSON.stringify([
          { name: "app", environment: [{ name: "GITHUB_SECRET", value: oauthSecret }] },
        ]),
      }),
      rule: WORKLOAD,
      says: /high-entropy value is set under the secret-like name GITHUB_SECRET/,
    },
    {
      resource: gateResource("aws:lambda/function:Function", "marked-secret-in-env", {
        environment: { variables: { SESSION_SALT: secretValue("pepper") } },
      }),
      rule: WORKLOAD,
      says: /environment\.variables\.SESSION_SALT: a value the program marks secret is set in plain workload configuration/,
    },
    {
      resource: gateResource("azure-native:web:WebApp", "key-vault-reference", {
        siteConfig: {
          appSettings: [
            { name: "AzureWebJobsStorage__accountName", value: "zsfunc" },
            { name: "DB_PASSWORD", value: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db)" },
          ],
        },
      }),
    },
    {
      resource: gateResource("aws:secretsmanager/secretVersion:SecretVersion", "oauth-secret-in-store", {
        secretString: JSON.stringify({
          GITHUB_SECRET: oauthSecret,
          DATABASE_URL: "postgres://app:s3cr3t-Pa55@db.internal:5432/app",
        }),
      }),
    },
    {
      resource: gateResource("aws:secretsmanager/secretVersion:SecretVersion", "storage-key-in-store", {
        secretString: connection,
      }),
      rule: WORKLOAD,
      says: /account key/,
    },
    // 7. Pulumi Deployments' Azure credential: the audience is the organisation named in the subject.
    {
      resource: gateResource(
        "azure-native:managedidentity:FederatedIdentityCredential",
        "pulumi-deployments",
        pulumiFic("contoso"),
      ),
    },
    {
      resource: gateResource(
        "azure-native:managedidentity:FederatedIdentityCredential",
        "pulumi-wrong-audience",
        pulumiFic("fabrikam"),
      ),
      rule: FEDERATION,
      says: /audience "fabrikam" is not contoso/,
    },
  ];
}

describe("issue 11 through the Analyzer gRPC protocol: caught, and no false alarm", function () {
  this.timeout(120_000);
  let session: PolicyPackSession;
  let all: Case[];
  let perResource: GateDiagnostic[];
  let perStack: GateDiagnostic[];
  before(async () => {
    all = cases();
    session = await startPolicyPack();
    perResource = await session.analyze(all.map((c) => c.resource));
    perStack = await session.analyzeStack(all.map((c) => c.resource));
  });
  after(async () => {
    await session?.close();
  });

  const name = (c: Case) => c.resource.name;
  for (const c of cases()) {
    const label = c.rule ? `stops ${name(c)} (${c.rule})` : `passes ${name(c)}`;
    it(label, () => {
      for (const [ds, suffix] of [
        [perResource, ""],
        [perStack, "-stack"],
      ] as const) {
        const mine = ds.filter((d) => d.urn === c.resource.urn && d.enforcementLevel === "mandatory");
        if (!c.rule) {
          assert.deepEqual(
            mine.map((d) => `${d.policyName}: ${d.message}`),
            [],
            `false alarm on ${name(c)}`,
          );
          continue;
        }
        const hit = mine.filter((d) => d.policyName === `${c.rule}${suffix}`);
        assert.ok(hit.length > 0, `${c.rule}${suffix} did not stop ${name(c)}: ${JSON.stringify(mine)}`);
        if (c.says) assert.match(hit.map((d) => d.message).join("\n"), c.says);
      }
    });
  }

  it("never sends a secret value back", () => {
    for (const d of [...perResource, ...perStack])
      assert.doesNotMatch(`${d.message} ${d.description ?? ""}`, /AccountKey=[A-Za-z0-9+/]|pepper|s3cr3t/, d.message);
  });
});
