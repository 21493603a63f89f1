/**
 * Fan-out for huge libraries (optional, per site): a download queue with its dead-letter queue, the task role's
 * right to use them, and an ECS service of consumers (`worker consume`) that scales on the queue's backlog per
 * consumer, from zero. The delta round of a fan-out site sends its downloads to the queue and completes only once the
 * queue has drained (worker/src/fanout/download-queue.ts). A task's last delivery records its item in the site's
 * quarantine (the worker's one quarantine) before SQS moves the task to the dead-letter queue, which keeps it for
 * inspection.
 *
 * Scaling follows AWS's guidance for queue workers: target tracking on backlog per task
 * (https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html).
 */
import * as pulumi from "@pulumi/pulumi";
import * as appautoscaling from "@pulumi/aws/appautoscaling";
import * as ecs from "@pulumi/aws/ecs";
import * as iam from "@pulumi/aws/iam";
import * as sqs from "@pulumi/aws/sqs";
import { policyJson } from "./iam-policy";
import { WORKER_ENVIRONMENT as ENV } from "../worker/src/contract";

export interface FanOutArgs {
  /** Sites whose downloads go through the queue; other sites sync as usual. */
  readonly siteIds: readonly string[];
  /** Consumer tasks when the queue is empty. Default 0. */
  readonly minConsumers?: number;
  /** Consumer tasks at most (Graph throttles per app: more is not always faster). Default 4. */
  readonly maxConsumers?: number;
  /** Tasks waiting per consumer that the scaling aims for. Default 200. */
  readonly backlogPerConsumer?: number;
  /** Deliveries of a task before it moves to the dead-letter queue. Default 5. */
  readonly maxReceiveCount?: number;
  /** How long a consumer has for one task before SQS delivers it again, seconds. Default 900. */
  readonly visibilityTimeoutSeconds?: number;
}

export interface SyncFanOutArgs extends FanOutArgs {
  readonly clusterArn: pulumi.Input<string>;
  /** The sync task definition: the consumers run the same container with `consume`. */
  readonly taskDefinition: ecs.TaskDefinition;
  readonly taskRoleName: pulumi.Input<string>;
  readonly containerName: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly assignPublicIp: boolean;
  readonly fargateSpot: boolean;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class SyncFanOut extends pulumi.ComponentResource {
  public readonly queueUrl: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  public readonly queueName: pulumi.Output<string>;
  public readonly deadLetterQueueName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: SyncFanOutArgs, opts?: pulumi.ComponentResourceOptions) {
    const { taskDefinition: _td, ...recorded } = args;
    super("zerosecrets:sync:SyncFanOut", name, recorded, opts);
    const child = { parent: this };
    const min = args.minConsumers ?? 0;
    const max = args.maxConsumers ?? 4;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < 1 || min > max || max > 50)
      throw new pulumi.ResourceError(
        `fanOut.maxConsumers: expected 0 <= minConsumers (${min}) <= maxConsumers (${max}) <= 50`,
        this,
      );
    const visibility = args.visibilityTimeoutSeconds ?? 900;
    if (!Number.isInteger(visibility) || visibility < 30 || visibility > 43_200)
      throw new pulumi.ResourceError(
        `fanOut.visibilityTimeoutSeconds: expected 30 to 43200 seconds, got ${visibility}`,
        this,
      );

    // Encrypted at rest with SQS-owned keys; a task holds ids and paths, no content.
    const deadLetter = new sqs.Queue(
      `${name}-dlq`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: 14 * 86_400, tags: args.tags },
      child,
    );
    const queue = new sqs.Queue(
      `${name}-queue`,
      {
        sqsManagedSseEnabled: true,
        visibilityTimeoutSeconds: visibility,
        receiveWaitTimeSeconds: 20,
        messageRetentionSeconds: 4 * 86_400,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: deadLetter.arn,
          maxReceiveCount: args.maxReceiveCount ?? 5,
        }),
        tags: args.tags,
      },
      child,
    );
    new sqs.RedriveAllowPolicy(
      `${name}-dlq-sources`,
      {
        queueUrl: deadLetter.url,
        redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }),
      },
      child,
    );

    // The task role (producer and consumers run as it) may use these two queues and nothing else in SQS: send,
    // receive, delete and read the depth of the download queue (a failed task is left to its visibility timeout, so
    // no sqs:ChangeMessageVisibility), read the dead-letter queue's depth. test/devtools/iam-mutation.test.ts runs
    // the fan-out behind IAM enforcement and shows each of these actions used and needed.
    new iam.RolePolicy(
      `${name}-task-permissions`,
      {
        role: args.taskRoleName,
        policy: policyJson(`${name}-task-permissions`, [
          {
            Sid: "DownloadQueue",
            Effect: "Allow",
            Action: ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            Resource: queue.arn,
          },
          { Sid: "QuarantineDepth", Effect: "Allow", Action: "sqs:GetQueueAttributes", Resource: deadLetter.arn },
        ]),
      },
      child,
    );

    const consumerDefinition = new ecs.TaskDefinition(
      `${name}-consumer`,
      {
        family: pulumi.interpolate`${args.taskDefinition.family}-consumer`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: args.taskDefinition.cpu.apply((c) => c ?? "512"),
        memory: args.taskDefinition.memory.apply((m) => m ?? "1024"),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        taskRoleArn: args.taskDefinition.taskRoleArn.apply((a) => a ?? ""),
        executionRoleArn: args.taskDefinition.executionRoleArn.apply((a) => a ?? ""),
        containerDefinitions: pulumi
          .all([args.taskDefinition.containerDefinitions, queue.url, deadLetter.url])
          .apply(([json, url, dlq]) =>
            JSON.stringify(
              (
                JSON.parse(json) as Array<{
                  name: string;
                  command?: string[];
                  environment?: Array<{ name: string; value: string }>;
                }>
              ).map((c) =>
                c.name === args.containerName
                  ? {
                      ...c,
                      command: ["consume"],
                      environment: [
                        ...(c.environment ?? []),
                        { name: ENV.downloadQueueUrl, value: url },
                        { name: ENV.downloadDeadLetterQueueUrl, value: dlq },
                      ],
                    }
                  : c,
              ),
            ),
          ),
        tags: args.tags,
      },
      child,
    );
    const service = new ecs.Service(
      `${name}-consumers`,
      {
        cluster: args.clusterArn,
        taskDefinition: consumerDefinition.arn,
        desiredCount: min,
        ...(args.fargateSpot
          ? { capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }
          : { launchType: "FARGATE" }),
        networkConfiguration: {
          subnets: [...args.subnetIds],
          securityGroups: [...args.securityGroupIds],
          assignPublicIp: args.assignPublicIp,
        },
        // Scaling owns the count from here on.
        tags: args.tags,
      },
      { ...child, ignoreChanges: ["desiredCount"] },
    );
    const clusterName = pulumi.output(args.clusterArn).apply((arn) => arn.split("/").at(-1)!);
    const target = new appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${clusterName}/${service.name}`,
        minCapacity: min,
        maxCapacity: max,
      },
      child,
    );
    new appautoscaling.Policy(
      `${name}-backlog-per-consumer`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: args.backlogPerConsumer ?? 200,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
          customizedMetricSpecification: {
            metrics: [
              {
                id: "visible",
                returnData: false,
                metricStat: {
                  stat: "Sum",
                  metric: {
                    namespace: "AWS/SQS",
                    metricName: "ApproximateNumberOfMessagesVisible",
                    dimensions: [{ name: "QueueName", value: queue.name }],
                  },
                },
              },
              {
                id: "running",
                returnData: false,
                metricStat: {
                  stat: "Average",
                  metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                      { name: "ClusterName", value: clusterName },
                      { name: "ServiceName", value: service.name },
                    ],
                  },
                },
              },
              // From zero consumers the backlog itself drives the first scale-out.
              {
                id: "backlogPerConsumer",
                label: "tasks waiting per consumer",
                expression: "visible / IF(running < 1, 1, running)",
                returnData: true,
              },
            ],
          },
        },
      },
      child,
    );

    this.queueUrl = queue.url;
    this.deadLetterQueueUrl = deadLetter.url;
    this.queueName = queue.name;
    this.deadLetterQueueName = deadLetter.name;
    this.serviceName = service.name;
    this.registerOutputs({
      queueUrl: this.queueUrl,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      serviceName: this.serviceName,
    });
  }

  /** The container environment a fan-out site's `sync` runs with (schedule input or state machine override). */
  environmentFor(): pulumi.Output<Array<{ name: string; value: string }>> {
    return pulumi.all([this.queueUrl, this.deadLetterQueueUrl]).apply(([url, dlq]) => [
      { name: ENV.downloadQueueUrl, value: url },
      { name: ENV.downloadDeadLetterQueueUrl, value: dlq },
    ]);
  }
}
