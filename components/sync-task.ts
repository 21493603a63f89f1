/**
 * The SharePoint -> S3 sync task: storage (DynamoDB tables, content bucket), the container image repository, the
 * Fargate task definition with its least-privilege roles, and one EventBridge Scheduler schedule per site.
 *
 * The container environment carries public IDs and resource names only; the worker gets AWS credentials from the
 * task role and Entra tokens through outbound identity federation (see `aws-workload-identity.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as dynamodb from "@pulumi/aws/dynamodb";
import * as ecr from "@pulumi/aws/ecr";
import * as ecs from "@pulumi/aws/ecs";
import * as s3 from "@pulumi/aws/s3";
import * as scheduler from "@pulumi/aws/scheduler";
import { contentBucketLifecycle, DEFAULT_NONCURRENT_VERSION_DAYS } from "./content-lifecycle";
import {
  CONTENT_PREFIX,
  ENTRA_TOKEN_EXCHANGE_AUDIENCE,
  TABLE_KEYS,
  TableRole,
  TaskEnvironment,
  WEB_IDENTITY_TOKEN,
  WORKER_ENVIRONMENT as ENV,
} from "../worker/src/contract";
import { PolicyStatement, serviceTrustPolicy } from "./iam-policy";
import { roleWithPolicy } from "./iam-role";
import { SyncFanOut, type FanOutArgs } from "./sync-fanout";
import { SyncStateMachines, type ChunkingArgs } from "./sync-orchestration";
import { checkGuid, SITE_ID_PATTERN } from "./validation";

/** Key prefix of synced content (the shared contract's); the task role can touch nothing else in the bucket. */
export { CONTENT_PREFIX };
/** Fargate Spot gives two minutes between SIGTERM and SIGKILL; the worker checkpoints within it. */
export const STOP_TIMEOUT_SECONDS = 120;
/** Longest web identity token the task role may request (seconds): the lifetime the worker asks for. */
export const MAX_WEB_IDENTITY_TOKEN_SECONDS = WEB_IDENTITY_TOKEN.lifetimeSeconds;
export const CONTAINER_NAME = "worker";
export { SITE_ID_PATTERN } from "./validation";
/**
 * The tag a task definition names while no image has been pushed (`imageTag` unset). The pipeline pushes commit SHAs
 * only, so this tag never exists: every schedule stays disabled until a deployment passes a real tag.
 */
export const NO_IMAGE_TAG = "no-image-pushed-yet";

/** The container environment as the task definition holds it: exactly the names the worker reads. */
export type TaskEnvironmentInputs = { readonly [K in keyof TaskEnvironment]: pulumi.Input<string> };

export interface SyncTaskArgs {
  /** SharePoint site IDs (`host,siteCollectionId,siteId`); one schedule per site. */
  readonly siteIds: readonly string[];
  readonly azureTenantId: string;
  /** Client ID of the Entra identity the worker signs in as (public). */
  readonly azureClientId: pulumi.Input<string>;
  readonly region: string;
  /** AWS account the task runs in: the service roles trust ECS and Scheduler only on its behalf (confused deputy). */
  readonly accountId: string;
  /** Permissions boundary every role of the task carries (the stack's; ADR 0002). Default none. */
  readonly permissionsBoundaryArn?: pulumi.Input<string>;
  /**
   * Image tag in the ECR repository created here (the deploy workflow pushes the commit's image and passes its SHA).
   * Default none: the stack can be deployed before any image exists, and every schedule is created disabled.
   */
  readonly imageTag?: string;
  /** EventBridge Scheduler expression. Default `rate(15 minutes)`. */
  readonly scheduleExpression?: string;
  /** Existing ECS cluster ARN. Default: create one. */
  readonly existingClusterArn?: pulumi.Input<string>;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Default false: tasks run in private subnets and reach AWS and Graph through NAT or endpoints. */
  readonly assignPublicIp?: boolean;
  /** Run on Fargate Spot. Default false. */
  readonly fargateSpot?: boolean;
  /** Task CPU units. Default 512. */
  readonly cpu?: number;
  /** Task memory (MiB). Default 1024. */
  readonly memory?: number;
  /** Days to keep logs. Default 30. */
  readonly logRetentionDays?: number;
  /** Days a replaced or deleted version of a document stays in the content bucket. Default 30. */
  readonly noncurrentVersionDays?: number;
  /** Graph endpoint override (sovereign clouds). Default none: the worker uses `https://graph.microsoft.com`. */
  readonly graphBaseUrl?: string;
  /**
   * How runs start. `schedule` (default): each schedule runs one ECS task that syncs until the round completes.
   * `stepFunctions`: each schedule starts the site's state machine, which runs bounded chunks until it completes.
   */
  readonly orchestration?: "schedule" | "stepFunctions";
  /** Chunking of the `stepFunctions` orchestration. Defaults: see `CHUNKING_DEFAULTS`. */
  readonly chunking?: ChunkingArgs;
  /** Fan-out of downloads through SQS for the listed sites. Default none. */
  readonly fanOut?: FanOutArgs;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class SyncTask extends pulumi.ComponentResource {
  public readonly taskRoleArn: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly bucketName: pulumi.Output<string>;
  public readonly tableNames: {
    checkpoints: pulumi.Output<string>;
    state: pulumi.Output<string>;
    documents: pulumi.Output<string>;
    lease: pulumi.Output<string>;
  };
  /** Schedule names by site ID. */
  public readonly scheduleNames: Record<string, pulumi.Output<string>>;
  /** Whether the schedules run: false until an image tag is given. */
  public readonly schedulesEnabled: boolean;
  /** State machine ARNs by site ID (orchestration `stepFunctions`; empty otherwise). */
  public readonly stateMachineArns: Record<string, pulumi.Output<string>>;
  /** The fan-out's queues and consumers, when configured. */
  public readonly fanOut?: SyncFanOut;
  /** The task definition ARN without revision (the ECS task-state events the alarms count). */
  public readonly taskDefinitionFamilyArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: SyncTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    // The client ID is usually a deferred output resolved by a resource that depends on this component's task
    // role; as a registered component input it would deadlock, so it is left out of the recorded inputs.
    const { azureClientId: _deferred, ...recordedArgs } = args;
    super("zerosecrets:sync:SyncTask", name, recordedArgs, opts);
    if (!/^[0-9]{12}$/.test(args.accountId)) {
      throw new pulumi.ResourceError(`accountId "${args.accountId}" is not a 12-digit AWS account ID`, this);
    }
    checkSyncTaskArgs(args);
    const child = { parent: this };

    // Storage. String keys as the worker expects them (the shared contract's); PITR and encryption at rest.
    const table = (role: TableRole) => {
      const { hash, range } = TABLE_KEYS[role];
      return new dynamodb.Table(
        `${name}-${role}`,
        {
          billingMode: "PAY_PER_REQUEST",
          hashKey: hash,
          rangeKey: range,
          attributes: [{ name: hash, type: "S" }, ...(range === undefined ? [] : [{ name: range, type: "S" }])],
          pointInTimeRecovery: { enabled: true },
          serverSideEncryption: { enabled: true },
          deletionProtectionEnabled: true,
          tags: args.tags,
        },
        child,
      );
    };
    const tables: Record<TableRole, dynamodb.Table> = {
      checkpoints: table("checkpoints"),
      state: table("state"),
      documents: table("documents"),
      lease: table("lease"),
    };

    const bucket = new s3.Bucket(`${name}-content`, { tags: args.tags }, child);
    new s3.BucketPublicAccessBlock(
      `${name}-content-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-content-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
      },
      child,
    );
    const versioning = new s3.BucketVersioning(
      `${name}-content-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    contentBucketLifecycle(
      name,
      bucket,
      versioning,
      {
        prefix: CONTENT_PREFIX,
        noncurrentVersionDays: args.noncurrentVersionDays ?? DEFAULT_NONCURRENT_VERSION_DAYS,
      },
      this,
    );
    new s3.BucketOwnershipControls(
      `${name}-content-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );

    const repository = new ecr.Repository(
      `${name}-worker`,
      {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        tags: args.tags,
      },
      child,
    );
    const logGroup = new cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays ?? 30, tags: args.tags },
      child,
    );
    const logStreams = pulumi.interpolate`${logGroup.arn}:log-stream:*`;

    const ecsSource = { account: args.accountId, arnLike: `arn:aws:ecs:${args.region}:${args.accountId}:*` };
    const executionRole = roleWithPolicy(
      `${name}-execution`,
      {
        description: "Pulls the worker image and writes its logs",
        assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", ecsSource),
        permissionsBoundary: args.permissionsBoundaryArn,
        statements: [
          // GetAuthorizationToken has no resource-level permission.
          { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
          {
            Sid: "PullWorkerImage",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            Resource: repository.arn,
          },
          {
            Sid: "WriteLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: logStreams,
          },
        ],
        tags: args.tags,
      },
      this,
    );

    const taskRole = roleWithPolicy(
      `${name}-task`,
      {
        description: "SharePoint sync worker: its tables, its bucket prefix, and web identity tokens for Entra",
        assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", ecsSource),
        permissionsBoundary: args.permissionsBoundaryArn,
        statements: taskRoleStatements({
          tableArns: Object.values(tables).map((t) => t.arn),
          bucketArn: bucket.arn,
        }),
        tags: args.tags,
      },
      this,
    );

    let clusterArn: pulumi.Output<string>;
    if (args.existingClusterArn !== undefined) {
      clusterArn = pulumi.output(args.existingClusterArn);
    } else {
      const cluster = new ecs.Cluster(
        `${name}-cluster`,
        { settings: [{ name: "containerInsights", value: "enabled" }], tags: args.tags },
        child,
      );
      new ecs.ClusterCapacityProviders(
        `${name}-capacity`,
        { clusterName: cluster.name, capacityProviders: ["FARGATE", "FARGATE_SPOT"] },
        child,
      );
      clusterArn = cluster.arn;
    }

    const environment: TaskEnvironmentInputs = {
      [ENV.tenantId]: args.azureTenantId,
      [ENV.clientId]: args.azureClientId,
      [ENV.siteIds]: args.siteIds.join(","),
      [ENV.checkpointTable]: tables.checkpoints.name,
      [ENV.stateTable]: tables.state.name,
      [ENV.documentsTable]: tables.documents.name,
      [ENV.leaseTable]: tables.lease.name,
      [ENV.contentBucket]: bucket.bucket,
      [ENV.region]: args.region,
      ...(args.graphBaseUrl === undefined ? {} : { [ENV.graphBaseUrl]: args.graphBaseUrl }),
    };
    this.schedulesEnabled = args.imageTag !== undefined;
    if (!this.schedulesEnabled) {
      pulumi.log.warn(
        "no worker image tag (zerosecrets:workerImageTag): the sync schedules are created disabled; the deploy workflow pushes the commit's image and passes its tag",
        this,
      );
    }
    const taskDefinition = new ecs.TaskDefinition(
      `${name}-task-definition`,
      {
        family: `${name}-worker`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu ?? 512),
        memory: String(args.memory ?? 1024),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        taskRoleArn: taskRole.arn,
        executionRoleArn: executionRole.arn,
        containerDefinitions: pulumi.jsonStringify([
          {
            name: CONTAINER_NAME,
            image: pulumi.interpolate`${repository.repositoryUrl}:${args.imageTag ?? NO_IMAGE_TAG}`,
            essential: true,
            readonlyRootFilesystem: true,
            stopTimeout: STOP_TIMEOUT_SECONDS,
            environment: Object.entries(environment).map(([key, value]) => ({ name: key, value })),
            logConfiguration: {
              logDriver: "awslogs",
              options: {
                "awslogs-group": logGroup.name,
                "awslogs-region": args.region,
                "awslogs-stream-prefix": "worker",
              },
            },
          },
        ]),
        tags: args.tags,
      },
      child,
    );

    /** Where every task of the sync runs (scheduled, chunked and fan-out consumers alike). */
    const network = {
      subnetIds: args.subnetIds,
      securityGroupIds: args.securityGroupIds,
      assignPublicIp: args.assignPublicIp ?? false,
      fargateSpot: args.fargateSpot ?? false,
    };
    for (const siteId of args.fanOut?.siteIds ?? [])
      if (!args.siteIds.includes(siteId))
        throw new pulumi.ResourceError(`fanOut.siteIds: ${siteId} is not one of siteIds`, this);
    const fanOut =
      args.fanOut === undefined || args.fanOut.siteIds.length === 0
        ? undefined
        : new SyncFanOut(
            `${name}-fanout`,
            {
              ...args.fanOut,
              clusterArn,
              taskDefinition,
              taskRoleName: taskRole.name,
              containerName: CONTAINER_NAME,
              ...network,
              tags: args.tags,
            },
            child,
          );
    this.fanOut = fanOut;
    const environmentFor = (siteId: string) =>
      fanOut !== undefined && args.fanOut!.siteIds.includes(siteId) ? fanOut.environmentFor() : undefined;

    this.scheduleNames = {};
    this.stateMachineArns = {};
    if (args.orchestration === "stepFunctions") {
      const machines = new SyncStateMachines(
        `${name}-orchestration`,
        {
          siteIds: args.siteIds,
          siteLabel,
          clusterArn,
          taskDefinitionArn: taskDefinition.arn,
          taskDefinitionFamilyArn: taskDefinition.arnWithoutRevision,
          taskRoleArn: taskRole.arn,
          executionRoleArn: executionRole.arn,
          containerName: CONTAINER_NAME,
          ...network,
          scheduleExpression: args.scheduleExpression ?? "rate(15 minutes)",
          schedulesEnabled: this.schedulesEnabled,
          chunking: args.chunking,
          permissionsBoundaryArn: args.permissionsBoundaryArn,
          environmentBySite: Object.fromEntries(
            args.siteIds.flatMap((s) => (environmentFor(s) === undefined ? [] : [[s, environmentFor(s)!]])),
          ),
          tags: args.tags,
        },
        child,
      );
      this.scheduleNames = machines.scheduleNames;
      this.stateMachineArns = machines.stateMachineArns;
    }

    const schedulerRole =
      args.orchestration === "stepFunctions"
        ? undefined
        : roleWithPolicy(
            `${name}-scheduler`,
            {
              description: "Lets EventBridge Scheduler start the sync task",
              assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", {
                account: args.accountId,
                arnLike: `arn:aws:scheduler:${args.region}:${args.accountId}:schedule-group/default`,
              }),
              permissionsBoundary: args.permissionsBoundaryArn,
              statements: [
                {
                  Sid: "RunSyncTask",
                  Effect: "Allow",
                  Action: "ecs:RunTask",
                  Resource: taskDefinition.arnWithoutRevision.apply((arn) => `${arn}:*`),
                  Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
                },
                {
                  Sid: "PassSyncRoles",
                  Effect: "Allow",
                  Action: "iam:PassRole",
                  Resource: [taskRole.arn, executionRole.arn],
                  Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                },
              ],
              tags: args.tags,
            },
            this,
          );

    for (const siteId of schedulerRole === undefined ? [] : args.siteIds) {
      const schedule = new scheduler.Schedule(
        `${name}-site-${siteLabel(siteId)}`,
        {
          description: `SharePoint sync of site ${siteId}`,
          scheduleExpression: args.scheduleExpression ?? "rate(15 minutes)",
          // A schedule without an image would fail every run at the image pull.
          state: this.schedulesEnabled ? "ENABLED" : "DISABLED",
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: clusterArn,
            roleArn: schedulerRole!.arn,
            ecsParameters: {
              taskDefinitionArn: taskDefinition.arn,
              taskCount: 1,
              ...(network.fargateSpot
                ? { capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }
                : { launchType: "FARGATE" }),
              networkConfiguration: {
                subnets: [...network.subnetIds],
                securityGroups: [...network.securityGroupIds],
                assignPublicIp: network.assignPublicIp,
              },
            },
            input: pulumi.jsonStringify({
              containerOverrides: [
                {
                  name: CONTAINER_NAME,
                  command: ["sync", "--site", siteId],
                  ...(environmentFor(siteId) === undefined ? {} : { environment: environmentFor(siteId) }),
                },
              ],
            }),
            // A missed run is picked up by the next one; retries would only race the lease.
            retryPolicy: { maximumRetryAttempts: 0 },
          },
        },
        child,
      );
      this.scheduleNames[siteId] = schedule.name;
    }

    this.taskRoleArn = taskRole.arn;
    this.executionRoleArn = executionRole.arn;
    this.clusterArn = clusterArn;
    this.taskDefinitionArn = taskDefinition.arn;
    this.repositoryUrl = repository.repositoryUrl;
    this.bucketName = bucket.bucket;
    this.taskDefinitionFamilyArn = taskDefinition.arnWithoutRevision;
    this.logGroupName = logGroup.name;
    this.tableNames = {
      checkpoints: tables.checkpoints.name,
      state: tables.state.name,
      documents: tables.documents.name,
      lease: tables.lease.name,
    };
    this.registerOutputs({
      taskRoleArn: this.taskRoleArn,
      clusterArn: this.clusterArn,
      taskDefinitionArn: this.taskDefinitionArn,
      repositoryUrl: this.repositoryUrl,
      bucketName: this.bucketName,
      tableNames: this.tableNames,
      scheduleNames: this.scheduleNames,
      stateMachineArns: this.stateMachineArns,
    });
  }
}

/**
 * The task role's permissions: exactly the calls the worker makes, each on its own resources, and nothing it does not
 * make (test/devtools/iam-mutation.test.ts removes each granted action in turn and shows a worker run failing).
 * Its logs are shipped by the awslogs driver under the execution role, so the task role needs no logs permission.
 */
export function taskRoleStatements(refs: {
  tableArns: pulumi.Input<string>[];
  bucketArn: pulumi.Input<string>;
}): PolicyStatement[] {
  const prefixObjects = pulumi.interpolate`${refs.bucketArn}/${CONTENT_PREFIX}*`;
  return [
    {
      Sid: "SyncTables",
      Effect: "Allow",
      Action: [
        // Leases, checkpoints and round state (read, then fenced conditional writes).
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        // Document records: a page's records are read in one BatchGetItem, its own IAM action.
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        // The end-of-round sweep and folder-path repair list a site's records.
        "dynamodb:Query",
      ],
      Resource: refs.tableArns,
    },
    {
      Sid: "ListContentPrefix",
      Effect: "Allow",
      // Each upload has a key of its own (sharepoint/<site>/<item>/<fence>-<nonce>): a redone page and a redelivered
      // fan-out task list an item's prefix to remove what an interrupted upload left.
      Action: "s3:ListBucket",
      Resource: refs.bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${CONTENT_PREFIX}*`] } },
    },
    {
      Sid: "ContentObjects",
      Effect: "Allow",
      // lib-storage uploads: PutObject covers single and multipart uploads (create, parts, complete); an upload cut
      // short (a stop signal, a failed part) is aborted so that no incomplete upload lingers.
      Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: prefixObjects,
    },
    {
      Sid: "WebIdentityTokenForEntra",
      Effect: "Allow",
      Action: "sts:GetWebIdentityToken",
      // GetWebIdentityToken has no resource-level permission; the conditions do the restricting.
      Resource: "*",
      Condition: {
        // Audience is multi-valued: every requested audience must be Entra's, and one must be present.
        "ForAllValues:StringEquals": { "sts:IdentityTokenAudience": [ENTRA_TOKEN_EXCHANGE_AUDIENCE] },
        Null: { "sts:IdentityTokenAudience": "false" },
        StringEquals: { "sts:SigningAlgorithm": WEB_IDENTITY_TOKEN.algorithm },
        NumericLessThanEquals: { "sts:DurationSeconds": MAX_WEB_IDENTITY_TOKEN_SECONDS },
      },
    },
  ];
}

function checkSyncTaskArgs(args: SyncTaskArgs): void {
  checkGuid("azureTenantId", args.azureTenantId);
  if (args.siteIds.length === 0) throw new Error("siteIds: give at least one SharePoint site ID to sync");
  for (const siteId of args.siteIds) {
    if (!SITE_ID_PATTERN.test(siteId)) {
      throw new Error(`siteIds: "${siteId}" is not a Graph site ID (hostname,siteCollectionId,siteId)`);
    }
  }
  if (new Set(args.siteIds).size !== args.siteIds.length) throw new Error("siteIds: a site is listed twice");
  if (args.subnetIds.length === 0) throw new Error("subnetIds: give at least one subnet for the Fargate task");
  if (args.securityGroupIds.length === 0) throw new Error("securityGroupIds: give at least one security group");
}

/** A stable resource-name part for a site: its site GUID (the last part of the ID). */
export function siteLabel(siteId: string): string {
  return siteId.split(",")[2]!.toLowerCase();
}
