/**
 * `audit` over a generated `pulumi stack export` (deployment version 3) holding planted static secrets in both
 * secret encodings (plaintext and ciphertext) and in clear: the pack must find each one, name its resource,
 * exit non-zero, and print no secret value.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sarifErrors } from "../../../devtools/sarif-validator";
import { suiteTempDir } from "../../../devtools/temp-dir";
import { memoryIo } from "../../../tools/cli/io";
import { runAudit } from "../../../tools/plan/audit";
import { run } from "../../../tools/plan/cli";
import { CIPHERTEXT_MARK, parseStackExport } from "../../../tools/plan/stack-export";
import { fake } from "../../../devtools/policy-fixtures/fixtures";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const plaintextSecret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(value) });
const ciphertextSecret = () => ({ [SIG_KEY]: SECRET_SIG, ciphertext: "v1:" + randomBytes(24).toString("base64") });
const urn = (type: string, name: string) => `urn:pulumi:prod::legacy-app::${type}::${name}`;

function plantedExport() {
  const keyId = fake.awsAccessKeyId();
  const secretKey = fake.awsSecretAccessKey();
  const entraSecret = fake.entraClientSecret();
  const taskSecret = fake.awsSecretAccessKey();
  const resources = [
    { urn: urn("pulumi:pulumi:Stack", "legacy-app-prod"), type: "pulumi:pulumi:Stack", custom: false },
    {
      urn: urn("aws:iam/user:User", "ci-user"),
      type: "aws:iam/user:User",
      custom: true,
      inputs: { name: "ci-user" },
      outputs: { name: "ci-user", arn: "arn:aws:iam::123456789012:user/ci-user" },
    },
    {
      urn: urn("aws:iam/accessKey:AccessKey", "ci-key"),
      type: "aws:iam/accessKey:AccessKey",
      custom: true,
      inputs: { user: "ci-user" },
      outputs: { id: keyId, user: "ci-user", secret: plaintextSecret(secretKey) },
    },
    {
      urn: urn("azuread:index/applicationPassword:ApplicationPassword", "sync-app-password"),
      type: "azuread:index/applicationPassword:ApplicationPassword",
      custom: true,
      inputs: { applicationId: "/applications/6f1d3c1e-3b7a-4c36-9a55-0d2b1f9e8c11", displayName: "sync" },
      outputs: { applicationId: "/applications/6f1d3c1e-3b7a-4c36-9a55-0d2b1f9e8c11", value: ciphertextSecret() },
    },
    {
      urn: urn("aws:ecs/taskDefinition:TaskDefinition", "sync-task"),
      type: "aws:ecs/taskDefinition:TaskDefinition",
      custom: true,
      inputs: {
        family: "sync",
        containerDefinitions: JSON.stringify([
          {
            name: "worker",
            image: "worker:1",
            environment: [
              { name: "AZURE_CLIENT_SECRET", value: entraSecret },
              { name: "AWS_SECRET_ACCESS_KEY", value: taskSecret },
            ],
          },
        ]),
      },
      outputs: {},
    },
    {
      urn: urn("aws:s3/bucketV2:BucketV2", "content"),
      type: "aws:s3/bucketV2:BucketV2",
      custom: true,
      inputs: { bucket: "legacy-content" },
      outputs: { bucket: "legacy-content" },
    },
  ];
  return {
    json: { version: 3, deployment: { manifest: { time: new Date().toISOString() }, resources } },
    values: [keyId, secretKey, entraSecret, taskSecret],
  };
}

describe("stack audit", function () {
  this.timeout(60_000);
  const temp = suiteTempDir("audit");

  it("unwraps plaintext secrets and keeps ciphertext opaque", () => {
    const { json, values } = plantedExport();
    const exported = parseStackExport(json, "export.json");
    const key = exported.resources.find((resource) => resource.name === "ci-key")!;
    assert.equal(key.outputs.secret, values[1]);
    assert.equal(
      exported.resources.find((resource) => resource.name === "sync-app-password")!.outputs.value,
      CIPHERTEXT_MARK,
    );
    assert.equal(exported.ciphertextCount, 1);
    assert.deepEqual(exported.plaintextSecrets, [values[1]]);
  });

  it("refuses what is not a version-3 stack export, saying how to make one", () => {
    assert.throws(
      () => parseStackExport({ version: 2, deployment: {} }, "old.json"),
      /old\.json: not a stack export: version: expected deployment version 3.*pulumi stack export --file/,
    );
    assert.throws(() => parseStackExport({ version: 3 }, "x.json"), /x\.json: not a stack export: deployment:/);
  });

  it("finds every planted secret, names its resource, exits 1 and prints no secret value", async () => {
    const { json, values } = plantedExport();
    const file = join(temp.path, "export.json");
    writeFileSync(file, JSON.stringify(json, null, 2));
    let output = "";
    const outcome = await runAudit(file, (text) => (output += `${text}\n`));
    assert.equal(outcome.exitCode, 1, output);
    const flagged = new Set(
      outcome.gate.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => d.urn.split("::").pop()),
    );
    for (const name of ["ci-key", "sync-app-password", "sync-task"])
      assert.ok(flagged.has(name), `${name} not flagged:\n${output}`);
    assert.ok(!flagged.has("content"), "the clean bucket was flagged");
    assert.match(output, /aws:iam:AccessKey "ci-key"/);
    assert.match(output, /1 secret value\(s\) are encrypted/);
    for (const value of values) assert.ok(!output.includes(value), "the audit printed a secret value");
  });

  it("through the CLI: SARIF that points at each resource's line in the export, JSON for scripts, no secret in either", async () => {
    const { json, values } = plantedExport();
    const file = join(temp.path, "export-cli.json");
    writeFileSync(file, JSON.stringify(json, null, 2));
    const io = memoryIo(temp.path);
    assert.equal(await run(["audit", file, "--format", "json", "--sarif", "audit.sarif"], io), 1, io.err);
    const report = JSON.parse(io.out) as { passed: boolean; resources: number; findings: { message: string }[] };
    assert.equal(report.passed, false);
    assert.equal(report.resources, json.deployment.resources.length);
    const sarifText = readFileSync(join(temp.path, "audit.sarif"), "utf8");
    const sarif = JSON.parse(sarifText);
    assert.deepEqual(sarifErrors(sarif), []);
    const key = sarif.runs[0].results.find((r: { message: { text: string } }) => r.message.text.includes('"ci-key"'));
    const region = key.locations[0].physicalLocation;
    assert.equal(region.artifactLocation.uri, "export-cli.json");
    const line = readFileSync(file, "utf8").split("\n")[region.region.startLine - 1]!;
    assert.match(line, /"urn": ".*::ci-key"/);
    for (const value of values) {
      assert.ok(!io.out.includes(value), "the JSON report holds a secret value");
      assert.ok(!sarifText.includes(value), "the SARIF holds a secret value");
    }
  });
});
