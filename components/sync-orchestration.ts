/**
 * Orchestration `stepFunctions`: one Standard state machine per site running the chunked sync
 * (`sync-state-machine.ts`), its least-privilege role, and one EventBridge Scheduler schedule per site that starts
 * it. The state machine itself refuses to run beside another execution of the same site, so a schedule that fires
 * while a long round is still going changes nothing.
 *
 * The role's permissions are the ones AWS documents for the ECS `.sync` integration
 * (https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html), narrowed: RunTask on this task definition in
 * this cluster, StopTask/DescribeTasks on this cluster's tasks, PassRole on the task's two roles, and the managed
 * EventBridge rule `StepFunctionsGetEventsForECSTaskRule` through which Step Functions learns that a task stopped.
 */
import * as pulumi from "@pulumi/pulumi";
import * as scheduler from "@pulumi/aws/scheduler";
import * as sfn from "@pulumi/aws/sfn";
import { serviceTrustPolicy } from "./iam-policy";
import { roleWithPolicy } from "./iam-role";
import { chunkedSyncDefinition, checkChunkedSyncOptions, type ChunkedSyncOptions } from "./sync-state-machine";

/** The Step Functions-managed rule the ECS `.sync` integration puts targets on. */
export const ECS_SYNC_EVENTS_RULE = "StepFunctionsGetEventsForECSTaskRule";
/** Longer than the worker's default lease lifetime (60 s), so a lease left by a killed task has expired. */
export const LEASE_WAIT_SECONDS = 120;
export const CHUNK_PAUSE_SECONDS = 5;

/** How an execution chunks the work; every field has a default. */
export interface ChunkingArgs {
  /** The worker's budget per chunk (`sync --max-duration`), minutes. Default 45. */
  readonly chunkMinutes?: number;
  /** The RunTask state's timeout, minutes; must leave the worker 5 minutes after its chunk. Default 60. */
  readonly taskTimeoutMinutes?: number;
  /** Chunks per execution before it fails with ChunkLimitReached. Default 100. */
  readonly maxChunks?: number;
  /** Consecutive failed chunks before the execution fails. Default 5. */
  readonly maxFailures?: number;
  /** Waits for a lease held by another worker before the execution fails. Default 10. */
  readonly maxLeaseWaits?: number;
}

export const CHUNKING_DEFAULTS: Required<ChunkingArgs> = {
  chunkMinutes: 45,
  taskTimeoutMinutes: 60,
  maxChunks: 100,
  maxFailures: 5,
  maxLeaseWaits: 10,
};

export interface SyncStateMachinesArgs {
  readonly siteIds: readonly string[];
  /** Stable resource-name part per site (the site GUID). */
  readonly siteLabel: (siteId: string) => string;
  readonly clusterArn: pulumi.Input<string>;
  /** The task definition ARN with its revision (what RunTask runs). */
  readonly taskDefinitionArn: pulumi.Input<string>;
  /** The task definition ARN without revision (what the role may run, any revision). */
  readonly taskDefinitionFamilyArn: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  readonly executionRoleArn: pulumi.Input<string>;
  readonly containerName: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly assignPublicIp: boolean;
  readonly fargateSpot: boolean;
  readonly scheduleExpression: string;
  /** Whether the schedules run; false while the task definition names no pushed image. Default true. */
  readonly schedulesEnabled?: boolean;
  readonly chunking?: ChunkingArgs;
  /** Extra container environment by site (fan-out sites: their download queue). */
  readonly environmentBySite?: Record<string, pulumi.Input<Array<{ name: string; value: string }>>>;
  /** The stack's permissions boundary, set on both roles (the deploy role may create no role without it). */
  readonly permissionsBoundaryArn?: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class SyncStateMachines extends pulumi.ComponentResource {
  /** State machine ARNs by site ID. */
  public readonly stateMachineArns: Record<string, pulumi.Output<string>>;
  /** Schedule names by site ID. */
  public readonly scheduleNames: Record<string, pulumi.Output<string>>;
  public readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: SyncStateMachinesArgs, opts?: pulumi.ComponentResourceOptions) {
    const { siteLabel: _label, ...recorded } = args;
    super("zerosecrets:sync:SyncStateMachines", name, recorded, opts);
    const chunking = { ...CHUNKING_DEFAULTS, ...args.chunking };
    const options = (
      siteId: string,
      clusterArn: string,
      taskDefinitionArn: string,
      environment?: Array<{ name: string; value: string }>,
    ): ChunkedSyncOptions => ({
      environment,
      siteId,
      clusterArn,
      taskDefinitionArn,
      containerName: args.containerName,
      subnetIds: args.subnetIds,
      securityGroupIds: args.securityGroupIds,
      assignPublicIp: args.assignPublicIp,
      fargateSpot: args.fargateSpot,
      chunkSeconds: chunking.chunkMinutes * 60,
      taskTimeoutSeconds: chunking.taskTimeoutMinutes * 60,
      maxChunks: chunking.maxChunks,
      maxFailures: chunking.maxFailures,
      maxLeaseWaits: chunking.maxLeaseWaits,
      leaseWaitSeconds: LEASE_WAIT_SECONDS,
      chunkPauseSeconds: CHUNK_PAUSE_SECONDS,
    });
    // Fail before anything is registered, naming the field (the ARNs are placeholders here).
    try {
      checkChunkedSyncOptions(options(args.siteIds[0] ?? "", "", ""));
    } catch (err) {
      throw new pulumi.ResourceError(`chunking.${(err as Error).message}`, this);
    }

    const clusterArn = pulumi.output(args.clusterArn);
    const arnParts = clusterArn.apply((arn) => {
      const [, partition, , region, account] = arn.split(":");
      return { partition, region, account, cluster: arn.split("/").at(-1)! };
    });
    // Named explicitly so the role can name them before they exist (ListExecutions, StartExecution).
    const machineNames = Object.fromEntries(args.siteIds.map((s) => [s, `${name}-${args.siteLabel(s)}`]));
    const machineArn = (siteId: string) =>
      pulumi.interpolate`arn:${arnParts.partition}:states:${arnParts.region}:${arnParts.account}:stateMachine:${machineNames[siteId]}`;
    const machineArns = args.siteIds.map(machineArn);

    const role = roleWithPolicy(
      `${name}-role`,
      {
        description: "Runs the sync worker chunk by chunk for the site state machines",
        assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", {
          account: arnParts.account,
          arnLike: pulumi.interpolate`arn:${arnParts.partition}:states:${arnParts.region}:${arnParts.account}:stateMachine:${name}-*`,
        }),
        permissionsBoundary: args.permissionsBoundaryArn,
        statements: [
          {
            Sid: "RunSyncTask",
            Effect: "Allow",
            Action: "ecs:RunTask",
            Resource: pulumi.interpolate`${args.taskDefinitionFamilyArn}:*`,
            Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
          },
          {
            Sid: "WatchSyncTasks",
            Effect: "Allow",
            Action: ["ecs:StopTask", "ecs:DescribeTasks"],
            Resource: pulumi.interpolate`arn:${arnParts.partition}:ecs:${arnParts.region}:${arnParts.account}:task/${arnParts.cluster}/*`,
          },
          {
            Sid: "PassSyncRoles",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: [args.taskRoleArn, args.executionRoleArn],
            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
          },
          {
            Sid: "EcsTaskStoppedEvents",
            Effect: "Allow",
            Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            Resource: pulumi.interpolate`arn:${arnParts.partition}:events:${arnParts.region}:${arnParts.account}:rule/${ECS_SYNC_EVENTS_RULE}`,
          },
          { Sid: "OneExecutionPerSite", Effect: "Allow", Action: "states:ListExecutions", Resource: machineArns },
        ],
        tags: args.tags,
      },
      this,
    );

    const schedulerRole = roleWithPolicy(
      `${name}-scheduler`,
      {
        description: "Lets EventBridge Scheduler start the site state machines",
        assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", {
          account: arnParts.account,
          arnLike: pulumi.interpolate`arn:${arnParts.partition}:scheduler:${arnParts.region}:${arnParts.account}:schedule-group/default`,
        }),
        permissionsBoundary: args.permissionsBoundaryArn,
        statements: [{ Sid: "StartSiteSync", Effect: "Allow", Action: "states:StartExecution", Resource: machineArns }],
        tags: args.tags,
      },
      this,
    );

    this.stateMachineArns = {};
    this.scheduleNames = {};
    for (const siteId of args.siteIds) {
      const machine = new sfn.StateMachine(
        machineNames[siteId]!,
        {
          name: machineNames[siteId],
          type: "STANDARD",
          roleArn: role.arn,
          definition: pulumi
            .all([clusterArn, args.taskDefinitionArn, pulumi.output(args.environmentBySite?.[siteId] ?? [])])
            .apply(([cluster, taskDefinition, environment]) =>
              JSON.stringify(chunkedSyncDefinition(options(siteId, cluster, taskDefinition, environment))),
            ),
          tags: args.tags,
        },
        { parent: this },
      );
      const schedule = new scheduler.Schedule(
        `${name}-${args.siteLabel(siteId)}-schedule`,
        {
          description: `Starts the chunked SharePoint sync of site ${siteId} (a running execution makes it a no-op)`,
          scheduleExpression: args.scheduleExpression,
          // A schedule without an image would fail every run at the image pull.
          state: args.schedulesEnabled === false ? "DISABLED" : "ENABLED",
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: machine.arn,
            roleArn: schedulerRole.arn,
            input: "{}",
            // The next schedule picks up a missed start; the state machine retries what fails inside it.
            retryPolicy: { maximumRetryAttempts: 0 },
          },
        },
        { parent: this },
      );
      this.stateMachineArns[siteId] = machine.arn;
      this.scheduleNames[siteId] = schedule.name;
    }
    this.roleArn = role.arn;
    this.registerOutputs({
      stateMachineArns: this.stateMachineArns,
      scheduleNames: this.scheduleNames,
      roleArn: this.roleArn,
    });
  }
}
