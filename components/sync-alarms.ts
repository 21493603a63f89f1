/**
 * What an operator sees of the sync: CloudWatch alarms routed to an SNS topic, and a dashboard per stack.
 *
 * Alarms (each names what to do in docs/runbooks/worker-operations.md, "Alarms"):
 *   per site   `<name>-<site>-failed-runs`          the worker reported a failed run (EMF RunsFailed)
 *              `<name>-<site>-no-completed-round`    no round completed within N schedule intervals (RoundsCompleted;
 *                                                    no data counts as breaching: a worker that never runs is caught)
 *              `<name>-<site>-quarantined`           items sit in quarantine (QuarantinedItems > 0)
 *              `<name>-<site>-failed-executions`     the site's state machine failed (orchestration stepFunctions)
 *   per stack  `<name>-failed-tasks`                 a task stopped with a failure exit code or never started, counted
 *                                                    from ECS task-state events, so crashes that write no metric
 *                                                    (out of memory, bad configuration, image pull) are caught too
 *              `<name>-spot-interruptions`           more than K Spot interruptions in a day (Fargate Spot only)
 *
 * ECS "Task State Change" events of the sync task go to a log group by an EventBridge rule; metric filters count the
 * failed and Spot-interrupted tasks there (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
 */
import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as sns from "@pulumi/aws/sns";
import { METRICS_NAMESPACE, rateSeconds, SITE_DIMENSION, TASK_METRIC, WORKER_METRIC } from "./sync-metrics";
import { WORKER_EXIT } from "../worker/src/contract";

/** An alarm that fires when the metric counts at least one event within `period` seconds (no data: all is well). */
function anyWithin(period: number) {
  return {
    statistic: "Sum",
    period,
    evaluationPeriods: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: 1,
    treatMissingData: "notBreaching",
  } as const;
}

/**
 * Exit codes that are not failures: done, done with items in quarantine (its own alarm watches those), more work
 * (chunk), lease held, stopped by SIGINT/SIGTERM (the worker's codes, from the shared contract).
 */
const NOT_FAILURES = [
  WORKER_EXIT.ok,
  WORKER_EXIT.completedWithQuarantine,
  WORKER_EXIT.moreWork,
  WORKER_EXIT.leaseHeld,
  WORKER_EXIT.interrupted.SIGINT,
  WORKER_EXIT.interrupted.SIGTERM,
];
/** CloudWatch evaluates at most one day of periods for these alarms. */
const MAX_EVALUATION_SECONDS = 86_400;

export interface SyncAlarmsArgs {
  readonly siteIds: readonly string[];
  /** Stable resource-name part per site (the site GUID). */
  readonly siteLabel: (siteId: string) => string;
  readonly region: string;
  readonly clusterArn: pulumi.Input<string>;
  /** The task definition ARN without revision: events of any revision count. */
  readonly taskDefinitionFamilyArn: pulumi.Input<string>;
  /** The schedule's expression: `rate(...)` sets the interval the no-completed-round alarm counts in. */
  readonly scheduleExpression: string;
  /** Interval for a `cron(...)` schedule, minutes. Required then; ignored for `rate(...)`. */
  readonly intervalMinutes?: number;
  /** Schedule intervals without a completed round before the alarm fires. Default 3. */
  readonly missedIntervals?: number;
  /** Spot interruptions a day that are still fine. Default 5. */
  readonly spotInterruptionsPerDay?: number;
  readonly fargateSpot?: boolean;
  /** State machine ARNs by site (orchestration stepFunctions). */
  readonly stateMachineArns?: Record<string, pulumi.Input<string>>;
  /** Existing SNS topic for the alarms. Default: create one (subscribe to it; see the runbook). */
  readonly topicArn?: pulumi.Input<string>;
  /** Days to keep the task-state events. Default 30. */
  readonly eventRetentionDays?: number;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class SyncAlarms extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  public readonly dashboardName: pulumi.Output<string>;
  /** Alarm names by role (`<site>-failed-runs`, `failed-tasks`, ...). */
  public readonly alarmNames: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: SyncAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    const { siteLabel: _label, ...recorded } = args;
    super("zerosecrets:sync:SyncAlarms", name, recorded, opts);
    const child = { parent: this };
    const interval = this.intervalSeconds(args);
    const missed = args.missedIntervals ?? 3;
    if (!Number.isInteger(missed) || missed < 1 || interval * missed > MAX_EVALUATION_SECONDS)
      throw new pulumi.ResourceError(
        `missedIntervals: ${missed} intervals of ${interval} s must be a whole number from 1 and span at most a day (${MAX_EVALUATION_SECONDS} s)`,
        this,
      );
    const spotLimit = args.spotInterruptionsPerDay ?? 5;
    if (!Number.isInteger(spotLimit) || spotLimit < 0)
      throw new pulumi.ResourceError(`spotInterruptionsPerDay: expected a whole number, got ${spotLimit}`, this);

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and alarm notifications carry no
    // secret, so the topic uses SNS's default encryption in transit only.
    const topicArn =
      args.topicArn !== undefined
        ? pulumi.output(args.topicArn)
        : new sns.Topic(`${name}-topic`, { displayName: "SharePoint sync alarms", tags: args.tags }, child).arn;
    const actions = { alarmActions: [topicArn], okActions: [topicArn] };

    // ECS task-state events of this task, kept in a log group the metric filters read.
    const events = new cloudwatch.LogGroup(
      `${name}-task-events`,
      { name: `/aws/events/${name}-task-events`, retentionInDays: args.eventRetentionDays ?? 30, tags: args.tags },
      child,
    );
    new cloudwatch.LogResourcePolicy(
      `${name}-task-events-delivery`,
      {
        policyName: `${name}-task-events`,
        policyDocument: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EventBridgeWritesTaskEvents",
              Effect: "Allow",
              Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: pulumi.interpolate`${events.arn}:*`,
            },
          ],
        }),
      },
      child,
    );
    const rule = new cloudwatch.EventRule(
      `${name}-task-stopped`,
      {
        description: "Sync tasks that stopped: counted by the failed-tasks and spot-interruptions alarms",
        eventPattern: pulumi.jsonStringify({
          source: ["aws.ecs"],
          "detail-type": ["ECS Task State Change"],
          detail: {
            clusterArn: [args.clusterArn],
            lastStatus: ["STOPPED"],
            taskDefinitionArn: [{ prefix: pulumi.interpolate`${args.taskDefinitionFamilyArn}:` }],
          },
        }),
        tags: args.tags,
      },
      child,
    );
    new cloudwatch.EventTarget(`${name}-task-stopped-to-logs`, { rule: rule.name, arn: events.arn }, child);
    const exitCode = "$.detail.containers[0].exitCode";
    const filters = {
      [TASK_METRIC.tasksFailed]: `{ (${NOT_FAILURES.map((c) => `${exitCode} != ${c}`).join(" && ")}) || $.detail.stopCode = "TaskFailedToStart" }`,
      [TASK_METRIC.spotInterruptions]: '{ $.detail.stopCode = "SpotInterruption" }',
    };
    for (const [metric, pattern] of Object.entries(filters)) {
      new cloudwatch.LogMetricFilter(
        `${name}-${kebab(metric)}`,
        {
          logGroupName: events.name,
          pattern,
          metricTransformation: {
            namespace: METRICS_NAMESPACE,
            name: metric,
            value: "1",
            defaultValue: "0",
            unit: "Count",
          },
        },
        child,
      );
    }

    const alarms: Record<string, cloudwatch.MetricAlarm> = {};
    const alarm = (role: string, description: string, spec: Omit<cloudwatch.MetricAlarmArgs, keyof typeof actions>) => {
      alarms[role] = new cloudwatch.MetricAlarm(
        `${name}-${role}`,
        {
          alarmDescription: `${description} Runbook: docs/runbooks/worker-operations.md#alarms`,
          ...actions,
          ...spec,
          tags: args.tags,
        },
        child,
      );
    };
    const site = (siteId: string) => ({ namespace: METRICS_NAMESPACE, dimensions: { [SITE_DIMENSION]: siteId } });
    for (const siteId of args.siteIds) {
      const label = args.siteLabel(siteId);
      alarm(`${label}-failed-runs`, `The sync worker reported a failed run for site ${siteId}.`, {
        ...site(siteId),
        metricName: WORKER_METRIC.runsFailed,
        ...anyWithin(interval),
      });
      alarm(
        `${label}-no-completed-round`,
        `No delta round of site ${siteId} completed within ${missed} schedule intervals (${(missed * interval) / 60} minutes).`,
        {
          ...site(siteId),
          metricName: WORKER_METRIC.roundsCompleted,
          statistic: "Sum",
          period: interval,
          evaluationPeriods: missed,
          datapointsToAlarm: missed,
          comparisonOperator: "LessThanThreshold",
          threshold: 1,
          // A worker that does not run at all writes nothing: that is the failure this alarm exists for.
          treatMissingData: "breaching",
        },
      );
      alarm(`${label}-quarantined`, `Items of site ${siteId} are in quarantine and are not being synced.`, {
        ...site(siteId),
        metricName: WORKER_METRIC.quarantined,
        statistic: "Maximum",
        period: interval,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
      });
      const machine = args.stateMachineArns?.[siteId];
      if (machine !== undefined)
        alarm(`${label}-failed-executions`, `The chunked sync state machine of site ${siteId} failed.`, {
          namespace: "AWS/States",
          dimensions: { StateMachineArn: machine },
          metricName: "ExecutionsFailed",
          ...anyWithin(300),
        });
    }
    alarm("failed-tasks", "A sync task stopped with a failure exit code or never started.", {
      namespace: METRICS_NAMESPACE,
      metricName: TASK_METRIC.tasksFailed,
      ...anyWithin(interval),
    });
    if (args.fargateSpot === true)
      alarm("spot-interruptions", `More than ${spotLimit} Spot interruptions of sync tasks in a day.`, {
        namespace: METRICS_NAMESPACE,
        metricName: TASK_METRIC.spotInterruptions,
        statistic: "Sum",
        period: 86_400,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: spotLimit,
        treatMissingData: "notBreaching",
      });

    const dashboard = new cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: name,
        dashboardBody: pulumi
          .all([pulumi.all(Object.values(alarms).map((a) => a.arn)), pulumi.all(args.stateMachineArns ?? {})])
          .apply(([alarmArns, machines]) =>
            JSON.stringify(dashboardBody(args.region, args.siteIds, alarmArns, machines, interval)),
          ),
      },
      child,
    );

    this.topicArn = topicArn;
    this.dashboardName = dashboard.dashboardName;
    this.alarmNames = Object.fromEntries(Object.entries(alarms).map(([role, a]) => [role, a.name]));
    this.registerOutputs({ topicArn: this.topicArn, dashboardName: this.dashboardName, alarmNames: this.alarmNames });
  }

  private intervalSeconds(args: SyncAlarmsArgs): number {
    const rate = rateSeconds(args.scheduleExpression);
    if (rate !== undefined) return Math.max(60, rate);
    if (args.intervalMinutes === undefined || !Number.isInteger(args.intervalMinutes) || args.intervalMinutes < 1)
      throw new pulumi.ResourceError(
        `intervalMinutes: the schedule "${args.scheduleExpression}" is a cron expression; give the interval between its runs in minutes`,
        this,
      );
    return args.intervalMinutes * 60;
  }
}

/** The dashboard: one line per site in each worker metric, the task metrics, the executions, every alarm. */
export function dashboardBody(
  region: string,
  siteIds: readonly string[],
  alarmArns: readonly string[],
  stateMachineArns: Record<string, string>,
  period: number,
): { widgets: unknown[] } {
  const perSite = (metric: string, stat: string) =>
    siteIds.map((s) => [
      METRICS_NAMESPACE,
      metric,
      SITE_DIMENSION,
      s,
      { label: s.split(",")[0] + " " + s.split(",")[2]!.slice(0, 8), stat },
    ]);
  const graph = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}) => ({
    type: "metric",
    width: 12,
    height: 6,
    properties: { title, region, view: "timeSeries", period, metrics, ...extra },
  });
  const widgets: unknown[] = [
    { type: "alarm", width: 24, height: 4, properties: { title: "Sync alarms", alarms: [...alarmArns] } },
    graph("Items processed", perSite(WORKER_METRIC.items, "Sum")),
    graph("Bytes downloaded", perSite(WORKER_METRIC.bytes, "Sum")),
    graph("Seconds since the last completed round", perSite(WORKER_METRIC.sinceLastRound, "Maximum")),
    graph("Round duration (s)", perSite(WORKER_METRIC.roundDuration, "Maximum")),
    graph("Delta pages", perSite(WORKER_METRIC.pages, "Sum")),
    graph("Throttled Graph requests (429/503)", perSite(WORKER_METRIC.throttled, "Sum")),
    graph("Quarantined items", perSite(WORKER_METRIC.quarantined, "Maximum")),
    graph("Runs and failed runs", [...perSite(WORKER_METRIC.runs, "Sum"), ...perSite(WORKER_METRIC.runsFailed, "Sum")]),
    graph("Sync tasks: failed, Spot-interrupted", [
      [METRICS_NAMESPACE, TASK_METRIC.tasksFailed, { stat: "Sum" }],
      [METRICS_NAMESPACE, TASK_METRIC.spotInterruptions, { stat: "Sum" }],
    ]),
  ];
  const machines = Object.values(stateMachineArns);
  if (machines.length > 0)
    widgets.push(
      graph(
        "State machine executions (started, succeeded, failed)",
        machines.flatMap((arn) =>
          ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed"].map((m) => [
            "AWS/States",
            m,
            "StateMachineArn",
            arn,
            { stat: "Sum", label: `${arn.split(":").at(-1)} ${m.slice("Executions".length)}` },
          ]),
        ),
      ),
    );
  return { widgets };
}

function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}
