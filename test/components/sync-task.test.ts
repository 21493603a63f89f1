import { strict as assert } from "node:assert";
import { NO_IMAGE_TAG, SyncTask, SyncTaskArgs } from "../../components/sync-task";
import { build, jsonInput, MOCK_ENV, named, ofType, refusal, unwrap, useMocks } from "../../devtools/component-harness";
import { SITE_A, SITE_B, SYNC_CLIENT_ID as CLIENT_ID, SYNC_TASK_ARGS } from "../../devtools/sync-task-fixture";

const base = SYNC_TASK_ARGS;

const make = (args: SyncTaskArgs) => (name: string) => new SyncTask(name, args);

describe("SyncTask (the SharePoint sync on Fargate)", () => {
  before(useMocks);

  it("creates the four tables with the worker's keys, PITR and encryption", async () => {
    const { resources } = await build("s1", make(base));
    const keys = (name: string) => {
      const t = named(resources, name).inputs;
      return { hashKey: t.hashKey, rangeKey: t.rangeKey, pitr: t.pointInTimeRecovery, sse: t.serverSideEncryption };
    };
    const common = { pitr: { enabled: true }, sse: { enabled: true } };
    assert.deepEqual(keys("s1-checkpoints"), { hashKey: "siteId", rangeKey: undefined, ...common });
    assert.deepEqual(keys("s1-state"), { hashKey: "siteId", rangeKey: undefined, ...common });
    assert.deepEqual(keys("s1-lease"), { hashKey: "siteId", rangeKey: undefined, ...common });
    assert.deepEqual(keys("s1-documents"), { hashKey: "siteId", rangeKey: "itemId", ...common });
    assert.deepEqual(named(resources, "s1-documents").inputs.attributes, [
      { name: "siteId", type: "S" },
      { name: "itemId", type: "S" },
    ]);
  });

  it("locks the content bucket down and makes the image repository immutable and scanned", async () => {
    const { resources } = await build("s2", make(base));
    const block = named(resources, "s2-content-public-access").inputs;
    assert.deepEqual(
      [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
      [true, true, true, true],
    );
    assert.deepEqual(named(resources, "s2-content-ownership").inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
    assert.deepEqual(named(resources, "s2-content-versioning").inputs.versioningConfiguration, { status: "Enabled" });
    assert.equal(
      (named(resources, "s2-content-encryption").inputs.rules as any)[0].applyServerSideEncryptionByDefault
        .sseAlgorithm,
      "aws:kms",
    );
    const repo = named(resources, "s2-worker").inputs;
    assert.equal(repo.imageTagMutability, "IMMUTABLE");
    assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
    assert.equal(named(resources, "s2-logs").inputs.retentionInDays, 30);
  });

  it("gives the container public IDs and names only, and a 120 s stop timeout", async () => {
    const { component, resources } = await build("s3", make({ ...base, graphBaseUrl: "https://graph.microsoft.us" }));
    const [container, ...others] = jsonInput(named(resources, "s3-task-definition"), "containerDefinitions");
    assert.equal(others.length, 0);
    assert.equal(container.stopTimeout, 120);
    assert.equal(container.image, `${await unwrap(component.repositoryUrl)}:0.1.0`);
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    const tables = component.tableNames;
    assert.deepEqual(env, {
      AZURE_TENANT_ID: MOCK_ENV.tenantId,
      AZURE_CLIENT_ID: CLIENT_ID,
      SYNC_SITE_IDS: `${SITE_A},${SITE_B}`,
      CHECKPOINT_TABLE: await unwrap(tables.checkpoints),
      STATE_TABLE: await unwrap(tables.state),
      DOCUMENTS_TABLE: await unwrap(tables.documents),
      LEASE_TABLE: await unwrap(tables.lease),
      CONTENT_BUCKET: await unwrap(component.bucketName),
      AWS_REGION: MOCK_ENV.region,
      GRAPH_BASE_URL: "https://graph.microsoft.us",
    });
    assert.equal(container.secrets, undefined);
    const definition = named(resources, "s3-task-definition").inputs;
    assert.equal(definition.taskRoleArn, await unwrap(component.taskRoleArn));
    assert.deepEqual(definition.requiresCompatibilities, ["FARGATE"]);
  });

  it("limits the task role to its tables, its prefix and pinned web identity tokens", async () => {
    const { component, resources } = await build("s4", make(base));
    const policy = jsonInput(named(resources, "s4-task-permissions"), "policy");
    const bucketArn = `arn:aws:s3:::${await unwrap(component.bucketName)}`;
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid), [
      "SyncTables",
      "ListContentPrefix",
      "ContentObjects",
      "WebIdentityTokenForEntra",
    ]);
    // Listing (an item's prefix, for what an interrupted upload left) is limited to the content prefix.
    assert.equal(bySid.ListContentPrefix.Action, "s3:ListBucket");
    assert.equal(bySid.ListContentPrefix.Resource, bucketArn);
    assert.deepEqual(bySid.ListContentPrefix.Condition, { StringLike: { "s3:prefix": ["sharepoint/*"] } });
    // Each DynamoDB operation is its own IAM action: the worker's BatchGetItem needs its own grant.
    assert.deepEqual(bySid.SyncTables.Action, [
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    ]);
    assert.deepEqual(bySid.ContentObjects.Action, ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]);
    assert.deepEqual(
      bySid.SyncTables.Resource,
      await Promise.all(
        ["checkpoints", "state", "documents", "lease"].map((t) =>
          unwrap(named(resources, `s4-${t}`).outputs.arn as string),
        ),
      ),
    );
    assert.equal(bySid.ContentObjects.Resource, `${bucketArn}/sharepoint/*`);
    assert.deepEqual(bySid.WebIdentityTokenForEntra, {
      Sid: "WebIdentityTokenForEntra",
      Effect: "Allow",
      Action: "sts:GetWebIdentityToken",
      Resource: "*",
      Condition: {
        "ForAllValues:StringEquals": { "sts:IdentityTokenAudience": ["api://AzureADTokenExchange"] },
        Null: { "sts:IdentityTokenAudience": "false" },
        StringEquals: { "sts:SigningAlgorithm": "RS256" },
        NumericLessThanEquals: { "sts:DurationSeconds": 300 },
      },
    });
    const trust = jsonInput(named(resources, "s4-task"), "assumeRolePolicy");
    assert.deepEqual(trust.Statement[0].Principal, { Service: "ecs-tasks.amazonaws.com" });
  });

  it("service roles trust their service only on this account's behalf (confused deputy) and carry the boundary", async () => {
    const boundary = `arn:aws:iam::${MOCK_ENV.accountId}:policy/b`;
    const { resources } = await build("s9", make({ ...base, permissionsBoundaryArn: boundary }));
    const a = MOCK_ENV.accountId;
    const expected: Record<string, [string, string]> = {
      "s9-task": ["ecs-tasks.amazonaws.com", `arn:aws:ecs:${MOCK_ENV.region}:${a}:*`],
      "s9-execution": ["ecs-tasks.amazonaws.com", `arn:aws:ecs:${MOCK_ENV.region}:${a}:*`],
      "s9-scheduler": ["scheduler.amazonaws.com", `arn:aws:scheduler:${MOCK_ENV.region}:${a}:schedule-group/default`],
    };
    for (const [role, [service, sourceArn]] of Object.entries(expected)) {
      const statement = jsonInput(named(resources, role), "assumeRolePolicy").Statement[0];
      assert.deepEqual(statement.Principal, { Service: service }, role);
      assert.deepEqual(
        statement.Condition,
        { StringEquals: { "aws:SourceAccount": a }, ArnLike: { "aws:SourceArn": sourceArn } },
        role,
      );
      assert.equal(named(resources, role).inputs.permissionsBoundary, boundary, role);
    }
  });

  it("refuses an account ID that is not one", () => {
    assert.throws(
      () => new SyncTask("s10", { ...base, accountId: "1234" }),
      /accountId "1234" is not a 12-digit AWS account ID/,
    );
  });

  it("schedules each site separately with the sync command override", async () => {
    const { component, resources } = await build("s5", make({ ...base, fargateSpot: true }));
    const schedules = ofType(resources, "aws:scheduler/schedule:Schedule");
    assert.equal(schedules.length, 2);
    for (const [schedule, site] of [
      [schedules[0]!, SITE_A],
      [schedules[1]!, SITE_B],
    ] as const) {
      const target = schedule.inputs.target as any;
      assert.deepEqual(JSON.parse(target.input), {
        containerOverrides: [{ name: "worker", command: ["sync", "--site", site] }],
      });
      assert.equal(target.arn, await unwrap(component.clusterArn));
      assert.deepEqual(target.ecsParameters.capacityProviderStrategies, [
        { capacityProvider: "FARGATE_SPOT", weight: 1 },
      ]);
      assert.equal(target.ecsParameters.launchType, undefined);
      assert.deepEqual(target.ecsParameters.networkConfiguration, {
        subnets: base.subnetIds,
        securityGroups: base.securityGroupIds,
        assignPublicIp: false,
      });
      assert.equal(schedule.inputs.scheduleExpression, "rate(15 minutes)");
    }
    const scheduler = jsonInput(named(resources, "s5-scheduler-permissions"), "policy");
    assert.deepEqual(scheduler.Statement[1].Condition, {
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
  });

  it("runs the given image on enabled schedules, and creates them disabled until an image is given", async () => {
    const withImage = await build("s7", make(base));
    for (const schedule of ofType(withImage.resources, "aws:scheduler/schedule:Schedule"))
      assert.equal(schedule.inputs.state, "ENABLED");

    const { imageTag: _tag, ...withoutTag } = base;
    const { component, resources } = await build("s8", make(withoutTag));
    const [container] = jsonInput(named(resources, "s8-task-definition"), "containerDefinitions");
    // A tag the pipeline never pushes (it pushes commit SHAs): nothing can run it, and nothing is scheduled to.
    assert.equal(container.image, `${await unwrap(component.repositoryUrl)}:${NO_IMAGE_TAG}`);
    assert.doesNotMatch(NO_IMAGE_TAG, /^[0-9a-f]{40}$/);
    const schedules = ofType(resources, "aws:scheduler/schedule:Schedule");
    assert.equal(schedules.length, 2);
    for (const schedule of schedules) assert.equal(schedule.inputs.state, "DISABLED");
    assert.equal(component.schedulesEnabled, false);
  });

  it("runs in an existing cluster when given one", async () => {
    const cluster = "arn:aws:ecs:ap-southeast-2:111122223333:cluster/platform";
    const { resources } = await build("s6", make({ ...base, existingClusterArn: cluster }));
    assert.equal(ofType(resources, "aws:ecs/cluster:Cluster").length, 0);
    assert.equal((ofType(resources, "aws:scheduler/schedule:Schedule")[0]!.inputs.target as any).arn, cluster);
    assert.equal(
      (ofType(resources, "aws:scheduler/schedule:Schedule")[0]!.inputs.target as any).ecsParameters.launchType,
      "FARGATE",
    );
  });

  describe("refuses", () => {
    const cases: [string, Partial<SyncTaskArgs>, string][] = [
      ["no site", { siteIds: [] }, "siteIds: give at least one SharePoint site ID to sync"],
      [
        "a malformed site ID",
        { siteIds: ["contoso.sharepoint.com/sites/finance"] },
        'siteIds: "contoso.sharepoint.com/sites/finance" is not a Graph site ID (hostname,siteCollectionId,siteId)',
      ],
      ["a site listed twice", { siteIds: [SITE_A, SITE_A] }, "siteIds: a site is listed twice"],
      ["no subnet", { subnetIds: [] }, "subnetIds: give at least one subnet for the Fargate task"],
      [
        "a non-GUID tenant",
        { azureTenantId: "contoso.onmicrosoft.com" },
        'azureTenantId must be a GUID like 00000000-0000-0000-0000-000000000000, got "contoso.onmicrosoft.com"',
      ],
    ];
    cases.forEach(([what, override, message], i) => {
      it(what, () =>
        assert.equal(
          refusal(() => new SyncTask(`bad${i}`, { ...base, ...override })),
          message,
        ),
      );
    });
  });
});
