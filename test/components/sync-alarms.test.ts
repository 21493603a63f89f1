// The operator's view under Pulumi's mock runtime: alarms to the topic, task-state events counted,
// and the dashboard; the metric names are the worker's own.
import { strict as assert } from "node:assert";
import { SyncAlarms, type SyncAlarmsArgs } from "../../components/sync-alarms";
import { METRICS_NAMESPACE, rateSeconds } from "../../components/sync-metrics";
import { siteLabel } from "../../components/sync-task";
import { build, jsonInput, MOCK_ENV, named, ofType, refusal, unwrap, useMocks } from "../../devtools/component-harness";
import { SITE_A, SITE_B } from "../../devtools/sync-task-fixture";

const CLUSTER = `arn:aws:ecs:${MOCK_ENV.region}:${MOCK_ENV.accountId}:cluster/zs-dev-sync-cluster`;
const FAMILY = `arn:aws:ecs:${MOCK_ENV.region}:${MOCK_ENV.accountId}:task-definition/zs-dev-sync-worker`;
const base: SyncAlarmsArgs = {
  siteIds: [SITE_A, SITE_B],
  siteLabel,
  region: MOCK_ENV.region,
  clusterArn: CLUSTER,
  taskDefinitionFamilyArn: FAMILY,
  scheduleExpression: "rate(15 minutes)",
};
const make = (args: SyncAlarmsArgs) => (name: string) => new SyncAlarms(name, args);
const alarmsOf = (resources: Awaited<ReturnType<typeof build>>["resources"]) =>
  ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");

describe("SyncAlarms (alarms, task events and the dashboard)", () => {
  before(useMocks);

  it("alarms per site on failed runs, missing completed rounds and quarantine, all to the new topic", async () => {
    const { component, resources } = await build("a1", make(base));
    const topic = await unwrap(component.topicArn);
    assert.equal(ofType(resources, "aws:sns/topic:Topic").length, 1);
    const alarms = alarmsOf(resources);
    const label = siteLabel(SITE_A);
    assert.deepEqual(alarms.map((a) => a.name).sort(), [
      `a1-${label}-failed-runs`,
      `a1-${label}-no-completed-round`,
      `a1-${label}-quarantined`,
      `a1-${siteLabel(SITE_B)}-failed-runs`,
      `a1-${siteLabel(SITE_B)}-no-completed-round`,
      `a1-${siteLabel(SITE_B)}-quarantined`,
      "a1-failed-tasks",
    ]);
    for (const a of alarms) {
      assert.deepEqual(a.inputs.alarmActions, [topic], a.name);
      assert.deepEqual(a.inputs.okActions, [topic], a.name);
      assert.match(String(a.inputs.alarmDescription), /Runbook: docs\/runbooks\/worker-operations\.md#alarms/);
    }
    const noRound = named(resources, `a1-${label}-no-completed-round`).inputs;
    assert.deepEqual(
      [noRound.namespace, noRound.metricName, noRound.dimensions, noRound.period, noRound.evaluationPeriods],
      [METRICS_NAMESPACE, "RoundsCompleted", { SiteId: SITE_A }, 900, 3],
    );
    assert.equal(noRound.treatMissingData, "breaching", "a worker that never runs writes no data");
    assert.deepEqual([noRound.comparisonOperator, noRound.threshold], ["LessThanThreshold", 1]);
    const quarantined = named(resources, `a1-${label}-quarantined`).inputs;
    assert.deepEqual(
      [quarantined.metricName, quarantined.comparisonOperator, quarantined.threshold],
      ["QuarantinedItems", "GreaterThanThreshold", 0],
    );
  });

  it("counts failed and Spot-interrupted tasks from the task's own ECS events, and alarms above K a day", async () => {
    const { resources } = await build("a2", make({ ...base, fargateSpot: true, spotInterruptionsPerDay: 4 }));
    const rule = jsonInput(named(resources, "a2-task-stopped"), "eventPattern");
    assert.deepEqual(rule, {
      source: ["aws.ecs"],
      "detail-type": ["ECS Task State Change"],
      detail: { clusterArn: [CLUSTER], lastStatus: ["STOPPED"], taskDefinitionArn: [{ prefix: `${FAMILY}:` }] },
    });
    const group = named(resources, "a2-task-events").inputs;
    assert.match(String(group.name), /^\/aws\/events\//, "EventBridge writes only to /aws/events/ log groups");
    const delivery = jsonInput(named(resources, "a2-task-events-delivery"), "policyDocument");
    assert.deepEqual(delivery.Statement[0].Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
    const failed = named(resources, "a2-tasks-failed").inputs;
    assert.equal(
      failed.pattern,
      '{ ($.detail.containers[0].exitCode != 0 && $.detail.containers[0].exitCode != 65 && $.detail.containers[0].exitCode != 3 && $.detail.containers[0].exitCode != 75 && $.detail.containers[0].exitCode != 130 && $.detail.containers[0].exitCode != 143) || $.detail.stopCode = "TaskFailedToStart" }',
    );
    assert.equal(
      named(resources, "a2-spot-interruptions").inputs.pattern,
      '{ $.detail.stopCode = "SpotInterruption" }',
    );
    const spot = alarmsOf(resources).find((a) => a.name === "a2-spot-interruptions")!.inputs;
    assert.deepEqual(
      [spot.period, spot.statistic, spot.comparisonOperator, spot.threshold],
      [86400, "Sum", "GreaterThanThreshold", 4],
    );
  });

  it("uses the stack's topic when given, alarms on failed executions, and draws every alarm on the dashboard", async () => {
    const topicArn = `arn:aws:sns:${MOCK_ENV.region}:${MOCK_ENV.accountId}:platform-oncall`;
    const machine = `arn:aws:states:${MOCK_ENV.region}:${MOCK_ENV.accountId}:stateMachine:zs-dev-sync-orchestration-a`;
    const { component, resources } = await build(
      "a3",
      make({ ...base, siteIds: [SITE_A], topicArn, stateMachineArns: { [SITE_A]: machine } }),
    );
    assert.equal(ofType(resources, "aws:sns/topic:Topic").length, 0);
    assert.equal(await unwrap(component.topicArn), topicArn);
    const executions = named(resources, `a3-${siteLabel(SITE_A)}-failed-executions`).inputs;
    assert.deepEqual(
      [executions.namespace, executions.metricName, executions.dimensions],
      ["AWS/States", "ExecutionsFailed", { StateMachineArn: machine }],
    );
    const body = jsonInput(named(resources, "a3-dashboard"), "dashboardBody");
    const alarmWidget = body.widgets.find((w: { type: string }) => w.type === "alarm");
    assert.equal(alarmWidget.properties.alarms.length, alarmsOf(resources).length);
    const titles = body.widgets.map((w: { properties: { title: string } }) => w.properties.title);
    for (const title of [
      "Items processed",
      "Seconds since the last completed round",
      "Quarantined items",
      "Throttled Graph requests (429/503)",
    ])
      assert.ok(titles.includes(title), title);
    assert.ok(titles.some((t: string) => t.startsWith("State machine executions")));
    assert.equal(named(resources, "a3-dashboard").inputs.dashboardName, "a3");
  });

  it("refuses what CloudWatch cannot evaluate, naming the field", () => {
    assert.match(
      refusal(() => new SyncAlarms("a4", { ...base, scheduleExpression: "cron(0 * * * ? *)" })),
      /intervalMinutes: the schedule "cron/,
    );
    assert.match(
      refusal(() => new SyncAlarms("a5", { ...base, scheduleExpression: "rate(12 hours)", missedIntervals: 3 })),
      /missedIntervals: 3 intervals of 43200 s .* at most a day/,
    );
  });

  it("reads a schedule's interval", () => {
    assert.equal(rateSeconds("rate(15 minutes)"), 900);
    assert.equal(rateSeconds("rate(1 hour)"), 3600);
    assert.equal(rateSeconds("rate(2 days)"), 172800);
    assert.equal(rateSeconds("cron(0 12 * * ? *)"), undefined);
  });
});
