/**
 * Programs written the way other teams write them (devtools/fixtures/programs: root package imports, provider
 * functions, `secure:` stack values, an organisation in names), planned offline without any shim, each judged by
 * the gate. Every provider function named in issue 13 is called by one of them.
 */
import { strict as assert } from "node:assert";
import { cpSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../devtools/repo-root";
import { suiteTempDir } from "../../../devtools/temp-dir";
import { memoryIo } from "../../../tools/cli/io";
import { run } from "../../../tools/plan/cli";
import { runPlan, type PlanOutcome } from "../../../tools/plan/plan";

const PROGRAMS = join(REPO_ROOT, "devtools", "fixtures", "programs");

interface Planned {
  outcome: PlanOutcome;
  output: string;
  planFile: string;
}

describe("foreign programs and their provider functions, planned offline and judged", function () {
  this.timeout(180_000);
  const dir = suiteTempDir("provider-functions");
  const planned = new Map<string, Promise<Planned>>();

  /** Each program is planned once (the pack and the program start side by side), on first use. */
  function planOf(program: string, stack: string, organization?: string): Promise<Planned> {
    const key = `${program}/${stack}`;
    if (!planned.has(key)) {
      const planFile = join(dir.path, `${program}-${stack}.json`);
      let output = "";
      planned.set(
        key,
        runPlan({
          stack,
          projectDir: join(PROGRAMS, program),
          out: planFile,
          gate: true,
          organization,
          log: (text) => (output += `${text}\n`),
        }).then((outcome) => ({ outcome, output, planFile })),
      );
    }
    return planned.get(key)!;
  }

  // Two plans at a time (each is a program process and a pack process): the machine has two cores.
  before(() => {
    const lanes = [
      [
        ["aws-lookups", "pinned"],
        ["azure-client-config", "dev"],
        ["organization", "dev", "octo-org"],
      ],
      [
        ["aws-lookups", "open"],
        ["credentials", "dev"],
        ["secure-config", "dev"],
      ],
    ];
    for (const lane of lanes) {
      lane.reduce<Promise<unknown>>(
        (previous, [program, stack, organization]) =>
          previous.then(() => planOf(program!, stack!, organization).catch(() => undefined)),
        Promise.resolve(),
      );
    }
  });

  const resource = (p: Planned, name: string) => p.outcome.run.resources.find((r) => r.name === name)!;
  const callKinds = (p: Planned) => Object.fromEntries(p.outcome.run.calls.map((call) => [call.token, call.kind]));
  const mandatory = (p: Planned) => p.outcome.gate!.diagnostics.filter((d) => d.enforcementLevel === "mandatory");

  it("AWS: getPartition, getRegion and getCallerIdentity answer from the stack's provider config", async () => {
    const p = await planOf("aws-lookups", "pinned");
    const kinds = callKinds(p);
    for (const token of [
      "aws:index/getPartition:getPartition",
      "aws:index/getRegion:getRegion",
      "aws:index/getCallerIdentity:getCallerIdentity",
    ])
      assert.equal(kinds[token], "configuration", token);
    assert.equal(p.outcome.run.outputs.accountId, "210987654321", "the account from aws:allowedAccountIds");
    const logs = JSON.parse(resource(p, "deploy-logs").inputs.policy as string);
    assert.equal(logs.Statement[0].Resource, "arn:aws:logs:eu-west-1:210987654321:log-group:app:*");
  });

  it("AWS: getPolicyDocument builds the document the provider builds, and the gate judges it (pinned: passes)", async () => {
    const p = await planOf("aws-lookups", "pinned");
    assert.equal(callKinds(p)["aws:iam/getPolicyDocument:getPolicyDocument"], "computed");
    const provider = resource(p, "github").outputs.arn as string;
    assert.equal(provider, "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com");
    assert.equal(
      resource(p, "deploy").inputs.assumeRolePolicy,
      JSON.stringify(
        {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "",
              Effect: "Allow",
              Action: "sts:AssumeRoleWithWebIdentity",
              Principal: { Federated: provider },
              Condition: {
                StringEquals: {
                  "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                  "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:environment:prod",
                },
              },
            },
          ],
        },
        null,
        2,
      ),
    );
    // Two actions, reverse-sorted as the provider writes a set.
    const logs = JSON.parse(resource(p, "deploy-logs").inputs.policy as string);
    assert.deepEqual(logs.Statement[0].Action, ["logs:PutLogEvents", "logs:CreateLogStream"]);
    assert.equal(p.outcome.exitCode, 0, p.output);
  });

  it("AWS: the same trust without a subject pin is refused by the pack (a real verdict, not a shim)", async () => {
    const p = await planOf("aws-lookups", "open");
    assert.equal(p.outcome.exitCode, 1, p.output);
    assert.ok(
      mandatory(p).some((d) => d.urn.endsWith("::deploy") && d.policyName.startsWith("federation")),
      p.output,
    );
  });

  it("AWS and TLS: getVpc, getSubnets and tls.getCertificate answer with placeholders shaped by the SDK's result types", async () => {
    const p = await planOf("aws-lookups", "pinned");
    const kinds = callKinds(p);
    for (const token of [
      "aws:ec2/getVpc:getVpc",
      "aws:ec2/getSubnets:getSubnets",
      "tls:index/getCertificate:getCertificate",
    ])
      assert.equal(kinds[token], "placeholder", token);
    assert.match(p.outcome.run.outputs.firstSubnet as string, /^subnet-[0-9a-f]{17}$/);
    assert.match(p.outcome.run.outputs.securityGroupId as string, /^sg-[0-9a-f]{17}$/);
    const group = resource(p, "app").inputs as { vpcId: string; ingress: { cidrBlocks: string[] }[] };
    assert.match(group.vpcId, /^vpc-[0-9a-f]{17}$/);
    assert.deepEqual(group.ingress[0]!.cidrBlocks, ["10.0.0.0/16"]);
    const thumbprints = resource(p, "github").inputs.thumbprintLists as string[];
    assert.match(thumbprints[0]!, /^[0-9a-f]{40}$/);
    assert.match(
      p.output,
      /aws:ec2:getVpc\s+live state: a placeholder shaped like the SDK's result type\s+\(index\.ts:\d+\)/,
    );
  });

  it("Azure: azure-native and azuread client config answer from the stack's provider config", async () => {
    const p = await planOf("azure-client-config", "dev");
    const kinds = callKinds(p);
    assert.equal(kinds["azure-native:authorization:getClientConfig"], "configuration");
    assert.equal(kinds["azuread:index/getClientConfig:getClientConfig"], "configuration");
    assert.equal(p.outcome.run.outputs.tenantId, "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d");
    assert.match(
      p.outcome.run.outputs.signedInAs as string,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const assignment = resource(p, "deployer-contributor").inputs.roleDefinitionId as string;
    assert.match(
      assignment,
      /^\/subscriptions\/3f2e1d0c-4b5a-4697-8877-665544332211\/providers\/Microsoft\.Authorization\//,
    );
    assert.equal(p.outcome.exitCode, 0, p.output);
  });

  it("credentials from listStorageAccountKeys, cluster credentials and ECR tokens are marked secret, followed and refused", async () => {
    const p = await planOf("credentials", "dev");
    const kinds = callKinds(p);
    for (const token of [
      "azure-native:storage:listStorageAccountKeys",
      "azure-native:containerservice:listManagedClusterUserCredentials",
      "aws:ecr/getAuthorizationToken:getAuthorizationToken",
    ])
      assert.equal(kinds[token], "credential", token);
    const own = mandatory(p).filter((d) => d.policyName === "no-credentials-from-provider-functions");
    assert.deepEqual(own.map((d) => d.urn.split("::").pop()).sort(), ["kubeconfig", "registry", "storage"]);
    const storage = own.find((d) => d.urn.endsWith("::storage"))!;
    assert.match(storage.message, /azure-native:storage:listStorageAccountKeys \(called at index\.ts:\d+\)/);
    assert.match(storage.message, /github:index:ActionsSecret "storage" plaintextValue/);
    assert.equal(p.outcome.exitCode, 1);
    // Wherever a credential landed (even decoded from base64 or inside a connection string) the plan masks it.
    const written = JSON.parse(readFileSync(p.planFile, "utf8")) as {
      resources: { name: string; inputs: Record<string, unknown> }[];
    };
    for (const name of ["storage", "kubeconfig", "registry"])
      assert.equal(written.resources.find((r) => r.name === name)!.inputs.plaintextValue, "[secret]", name);
    // A computed output the program reads (the storage account's auto-assigned name) is plausible, never undefined.
    assert.match(p.outcome.run.outputs.storageAccount as string, /^files-[0-9a-f]{7}$/);
    const keys = p.outcome.run.resources.find((r) => r.name === "storage")!.inputs.plaintextValue as string;
    assert.match(keys, /AccountName=files-[0-9a-f]{7};AccountKey=[A-Za-z0-9+/]{86}==;/);
    assert.ok(!p.output.includes(keys.split("AccountKey=")[1]!.split(";")[0]!), "a key was printed");
  });

  it("pulumi.getOrganization() answers --organization, and isDryRun() is true as in a preview", async () => {
    const p = await planOf("organization", "dev", "octo-org");
    assert.equal(p.outcome.run.outputs.fullyQualifiedStack, "octo-org/buckets/dev");
    const bucket = resource(p, "artifacts").inputs as { bucket: string; tags: Record<string, string> };
    assert.equal(bucket.bucket, "octo-org-buckets-dev-artifacts");
    assert.equal(bucket.tags.preview, "true");
    assert.equal(p.outcome.exitCode, 0, p.output);
  });

  it("secure: stack values become secrets holding placeholders; the gate shows where they land and judges them", async () => {
    const p = await planOf("secure-config", "dev");
    assert.deepEqual(p.outcome.run.secureConfigKeys.sort(), [
      "app:clientSecret",
      "app:databasePassword",
      "app:settings.apiKey",
    ]);
    const destinations = p.outcome
      .gate!.diagnostics.filter((d) => d.policyName === "secret-config-destinations")
      .map((d) => d.message.replace(/ \(its value.*$/, ""));
    assert.deepEqual(destinations.sort(), [
      'secure config app:clientSecret lands in github:index:ActionsSecret "entra" plaintextValue',
      'secure config app:databasePassword lands in aws:ssm:Parameter "database-password" value',
      'secure config app:settings.apiKey lands in aws:ssm:Parameter "api-key" value',
    ]);
    // The pack judges the resources: an Entra client secret kept as a GitHub secret is refused.
    assert.ok(
      mandatory(p).some((d) => d.urn.endsWith("::entra")),
      p.output,
    );
    assert.equal(p.outcome.exitCode, 1);
    const written = readFileSync(p.planFile, "utf8");
    assert.equal((written.match(/\[secret\]/g) ?? []).length >= 3, true, written);
  });

  it("another project's program gets this project's policy configuration only when --policy-config names it", async () => {
    const lenient = join(dir.path, "all-advisory.json");
    writeFileSync(lenient, JSON.stringify({ all: "advisory" }));
    const io = memoryIo(dir.path);
    const program = join(PROGRAMS, "aws-lookups");
    const code = await run(
      ["plan", "--project-dir", program, "--stack", "open", "--out", "open.json", "--policy-config", lenient],
      io,
    );
    assert.equal(code, 0, io.out);
    assert.match(io.out, /Policy configuration: .*all-advisory\.json/);
    assert.match(io.out, /! \[advisory\] federation\S*\s+aws:iam:Role "deploy"/);
    const strict = await planOf("aws-lookups", "open");
    assert.match(strict.output, /Policy configuration: none: another project's program/);
  });

  it("an SDK of another major version: names the resource type, the resource, the property and the installed version", async () => {
    await assert.rejects(
      runPlan({
        stack: "dev",
        projectDir: join(PROGRAMS, "sdk-mismatch"),
        out: join(dir.path, "never.json"),
        gate: false,
        log: () => undefined,
      }),
      (error: Error) => {
        assert.match(error.message, /^azuread:index\/servicePrincipal:ServicePrincipal "api" \(index\.ts:5:\d+\)/);
        assert.match(error.message, /missing required property 'clientId' in the installed @pulumi\/azuread 6\.9\.1/);
        assert.match(error.message, /install the version its package.json names/);
        return true;
      },
    );
  });

  it("a function the gate cannot answer names itself, the line that called it and what to do", async () => {
    const program = join(dir.path, "unanswerable");
    mkdirSync(program, { recursive: true });
    writeFileSync(join(program, "Pulumi.yaml"), "name: odd\nruntime: nodejs\n");
    writeFileSync(join(program, "Pulumi.dev.yaml"), "config: {}\n");
    writeFileSync(
      join(program, "index.ts"),
      'import * as pulumi from "@pulumi/pulumi";\n\nexport const x = pulumi.runtime.invoke("aws:ec2/getNothing:getNothing", {});\n',
    );
    await assert.rejects(
      runPlan({
        stack: "dev",
        projectDir: program,
        out: join(dir.path, "never.json"),
        gate: false,
        log: () => undefined,
      }),
      /provider function aws:ec2\/getNothing:getNothing is not declared by the installed @pulumi\/aws 7\.48\.0[\s\S]*install the version its package.json names[\s\S]*\(called at index\.ts:3:\d+\)/,
    );
  });

  it("runs another project's program copied anywhere, with --format json for scripts (the README's three lines)", async () => {
    const copy = join(dir.path, "elsewhere");
    cpSync(join(PROGRAMS, "organization"), copy, { recursive: true });
    const io = memoryIo(dir.path);
    const code = await run(
      ["plan", "--project-dir", copy, "--stack", "dev", "--out", "plan.json", "--format", "json"],
      io,
    );
    assert.equal(code, 0, io.err);
    const report = JSON.parse(io.out) as { project: string; passed: boolean; summary: { errors: number } };
    assert.equal(report.project, "buckets");
    assert.equal(report.passed, true);
    assert.equal(report.summary.errors, 0);
  });
});
