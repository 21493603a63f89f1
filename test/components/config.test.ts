import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { parseStackConfig, RawConfig, StackConfigError } from "../../components/config";

const ROOT = path.resolve(__dirname, "..", "..");

function stackFile(stack: string): RawConfig {
  return (YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: RawConfig }).config;
}

/** The dev stack file with one structured value changed. */
function devWith(key: string, change: (value: any) => unknown): RawConfig {
  const raw = structuredClone(stackFile("dev"));
  raw[key] = change(raw[key]);
  return raw;
}

function problems(raw: RawConfig): string {
  try {
    parseStackConfig("dev", raw);
  } catch (err) {
    assert.ok(err instanceof StackConfigError);
    return err.message;
  }
  throw new Error("expected the stack config to be refused");
}

const header = 'Stack "dev" has invalid configuration (Pulumi.dev.yaml):\n';

describe("stack configuration", () => {
  it("reads both real stack files, with defaults filled in", () => {
    const dev = parseStackConfig("dev", stackFile("dev"));
    assert.equal(dev.environment, "dev");
    assert.equal(dev.region, "ap-southeast-2");
    assert.equal(dev.github.subjectFormat, "legacy");
    assert.equal(dev.github.ownerId, "1234567");
    assert.equal(dev.github.manageRepositorySettings, true);
    assert.equal(dev.azure.identityKind, "application");
    assert.equal(dev.sync.cpu, 512);
    const prod = parseStackConfig("prod", stackFile("prod"));
    assert.equal(prod.environment, "prod");
    assert.deepEqual(prod.github.environments.prod, { branches: ["main"], reviewers: { teams: [4567890] } });
    assert.equal(
      prod.aws.existingOidcProviderArn,
      "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com",
    );
  });

  describe("refuses, naming the stack, the key and what was expected", () => {
    const cases: [string, RawConfig, string][] = [
      [
        "a malformed owner",
        devWith("zerosecrets:github", (g) => ({ ...g, owner: "contoso inc" })),
        '  - zerosecrets:github.owner: owner "contoso inc" is not a GitHub user or organisation name',
      ],
      [
        "a malformed repository",
        devWith("zerosecrets:github", (g) => ({ ...g, repository: "zero/secrets" })),
        '  - zerosecrets:github.repository: repository "zero/secrets" is not a GitHub repository name',
      ],
      [
        "a wildcard in the owner",
        devWith("zerosecrets:github", (g) => ({ ...g, owner: "*" })),
        '  - zerosecrets:github.owner: owner/repository "*/zero-secrets-stack" contains a wildcard: a subject must name exactly one repository',
      ],
      [
        "a wildcard in an extra subject that was not declared",
        devWith("zerosecrets:github", (g) => ({ ...g, extraDeploySubjects: [{ branch: "release/*" }] })),
        '  - zerosecrets:github.extraDeploySubjects[0]: branch "release/*" contains a wildcard; set wildcard: true on this filter if a pattern is really meant',
      ],
      [
        "`*` alone as a subject",
        devWith("zerosecrets:github", (g) => ({ ...g, extraDeploySubjects: [{ tag: "*", wildcard: true }] })),
        '  - zerosecrets:github.extraDeploySubjects[0]: tag "*" is a wildcard alone: it would trust every tag; name it',
      ],
      [
        "a declared pattern in the deploy subjects (Entra matches exactly)",
        devWith("zerosecrets:github", (g) => ({ ...g, extraDeploySubjects: [{ tag: "v*", wildcard: true }] })),
        '  - zerosecrets:github.extraDeploySubjects[0]: "repo:contoso/zero-secrets-stack:ref:refs/tags/v*" is a pattern, but the deploy subjects also become Entra federated credentials, which match exactly',
      ],
      [
        "more than 20 federated credentials",
        devWith("zerosecrets:github", (g) => ({
          ...g,
          extraDeploySubjects: Array.from({ length: 20 }, (_, i) => ({ environment: `e${i}` })),
        })),
        "  - zerosecrets:github.extraDeploySubjects: the deploy identity would need 21 federated credentials; Entra allows at most 20",
      ],
      [
        "a branch deploy subject the stack file does not name (it bypasses the environment's protection)",
        devWith("zerosecrets:github", (g) => ({ ...g, extraDeploySubjects: [{ branch: "main" }] })),
        `  - zerosecrets:github.extraDeploySubjects[0]: deploy subject "ref:refs/heads/main" bypasses the environment's protection rules (any run on that branch gets the deploy identity); deploy through an environment, or name "ref:refs/heads/main" in allowUnprotectedDeploySubjects to accept it`,
      ],
      [
        "a pinned workflow with a managed identity on Azure (no flexible credentials there)",
        devWith("zerosecrets:azure", (a) => ({ ...a, identityKind: "managedIdentity" })),
        '  - zerosecrets:azure.identityKind: "managedIdentity" cannot pin zerosecrets:github.jobWorkflows on Azure (flexible federated credentials need an app registration); set identityKind: application',
      ],
      [
        "a non-GUID tenant ID",
        devWith("zerosecrets:azure", (a) => ({ ...a, tenantId: "contoso.onmicrosoft.com" })),
        "  - zerosecrets:azure.tenantId: expected the Entra tenant ID as a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
      ],
      [
        "a non-GUID subscription ID",
        devWith("zerosecrets:azure", (a) => ({ ...a, subscriptionId: "Pay-As-You-Go" })),
        "  - zerosecrets:azure.subscriptionId: expected the Azure subscription ID as a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
      ],
      [
        "an unknown environment",
        devWith("zerosecrets:environment", () => "staging"),
        '  - zerosecrets:environment: "staging" is not a declared environment; expected one of dev (zerosecrets:github.environments)',
      ],
      [
        "a session duration out of range",
        devWith("zerosecrets:aws", (a) => ({ ...a, maxSessionDuration: 86400 })),
        "  - zerosecrets:aws.maxSessionDuration: expected a session duration from 3600 to 43200 seconds",
      ],
      [
        "an unquoted account ID that lost its leading zero",
        devWith("zerosecrets:aws", (a) => ({ ...a, accountId: 12345678901 })),
        '  - zerosecrets:aws.accountId: expected the 12-digit AWS account ID as a quoted string (e.g. "012345678901"); unquoted, YAML reads a number',
      ],
      [
        "an immutable subject format without the IDs",
        devWith("zerosecrets:github", ({ ownerId: _o, repositoryId: _r, pinRepositoryId: _p, ...g }) => ({
          ...g,
          subjectFormat: "immutable",
        })),
        '  - zerosecrets:github.subjectFormat: subjectFormat "immutable" needs ownerId and repositoryId (repo:OWNER@OWNER_ID/REPO@REPO_ID:…)',
      ],
      [
        "a mutable image tag",
        devWith("zerosecrets:workerImageTag", () => "latest"),
        '  - zerosecrets:workerImageTag: expected an immutable tag, not "latest" (the repository refuses to overwrite tags)',
      ],
      [
        "a missing key",
        devWith("zerosecrets:sync", () => undefined),
        "  - zerosecrets:sync: missing; expected { siteIds, subnetIds, securityGroupIds, … }",
      ],
      [
        "an unknown key inside a value, naming the closest known one",
        devWith("zerosecrets:aws", (a) => ({ ...a, acountId: a.accountId, accountId: undefined })),
        '  - zerosecrets:aws.accountId: expected the 12-digit AWS account ID as a quoted string (e.g. "012345678901"); unquoted, YAML reads a number\n' +
          "  - zerosecrets:aws.acountId: unknown key; the closest known key is zerosecrets:aws.accountId (known: accountId, existingOidcProviderArn, maxSessionDuration, permissionsBoundaryArn, stateBucket, secretsKeyId)",
      ],
      [
        "an unknown key deep inside a value",
        devWith("zerosecrets:github", (g) => ({ ...g, environments: { dev: { branches: ["main"], reviewer: {} } } })),
        "  - zerosecrets:github.environments.dev.reviewer: unknown key; the closest known key is zerosecrets:github.environments.dev.reviewers (known: branches, reviewers)",
      ],
      [
        "an unknown project key, naming the closest known one",
        { ...stackFile("dev"), "zerosecrets:sinc": {} },
        "  - zerosecrets:sinc: unknown key; the closest known key is zerosecrets:sync (known: environment, workerImageTag, github, aws, azure, sync)",
      ],
      [
        "a key renamed since an earlier release, naming its new name",
        devWith("zerosecrets:github", (g) => ({
          ...g,
          jobWorkflowRef: "contoso/zero-secrets-stack/.github/workflows/pulumi.yml@refs/heads/main",
        })),
        "  - zerosecrets:github.jobWorkflowRef: unknown key; the closest known key is zerosecrets:github.jobWorkflows (known: owner, repository, ownerId, repositoryId, subjectFormat, enterpriseSlug, environments, extraDeploySubjects, allowUnprotectedDeploySubjects, publishRepositoryVariables, manageRepositorySettings, pinRepositoryId, jobWorkflows, subjectClaimKeys)",
      ],
      [
        "a self-managed backend without a KMS secrets provider",
        devWith("zerosecrets:aws", (a) => ({ ...a, secretsKeyId: undefined })),
        "  - zerosecrets:aws.secretsKeyId: missing; a self-managed state backend (aws.stateBucket) needs an awskms:// secrets provider, or CI stops at a passphrase prompt: give the KMS key ID the stack file's secretsprovider names (docs/ci.md)",
      ],
      [
        "a malformed site ID",
        devWith("zerosecrets:sync", (s) => ({ ...s, siteIds: ["https://contoso.sharepoint.com/sites/x"] })),
        "  - zerosecrets:sync.siteIds[0]: expected a Graph site ID: hostname,siteCollectionId,siteId",
      ],
      [
        "a provider ARN for another issuer than the enterprise's",
        {
          ...devWith("zerosecrets:github", (g) => ({ ...g, enterpriseSlug: "contoso-ent" })),
          "zerosecrets:aws": {
            accountId: "111122223333",
            existingOidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
          },
        },
        '  - zerosecrets:aws.existingOidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" is not the provider for issuer https://token.actions.githubusercontent.com/contoso-ent (zerosecrets:github.enterpriseSlug)',
      ],
      [
        "a wildcard in a pinned workflow file",
        devWith("zerosecrets:github", (g) => ({ ...g, jobWorkflows: { deploy: [".github/workflows/*.yml"] } })),
        '  - zerosecrets:github.jobWorkflows.deploy[0]: workflow ".github/workflows/*.yml" must be a workflow file of the repository, e.g. .github/workflows/pulumi.yml (no wildcard)',
      ],
      [
        "a missing region",
        devWith("aws:region", () => undefined),
        "  - aws:region: expected an AWS region such as ap-southeast-2, got undefined",
      ],
    ];
    for (const [what, raw, message] of cases) {
      it(what, () => assert.equal(problems(raw), header + message));
    }

    it("accepts a branch deploy subject the stack file names in allowUnprotectedDeploySubjects", () => {
      const raw = devWith("zerosecrets:github", (g) => ({
        ...g,
        extraDeploySubjects: [{ branch: "main" }],
        allowUnprotectedDeploySubjects: ["ref:refs/heads/main"],
      }));
      assert.deepEqual(parseStackConfig("dev", raw).github.extraDeploySubjects, [
        { kind: "branch", branch: "main", wildcard: undefined },
      ]);
    });

    it("lists every problem at once", () => {
      const raw = devWith("zerosecrets:azure", (a) => ({ ...a, tenantId: "x", subscriptionId: "y" }));
      assert.equal(problems(raw).split("\n").length, 3);
    });
  });
});
