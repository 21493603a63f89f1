// Fan-out under Pulumi's mock runtime: the queues and their redrive, the task role's SQS rights,
// the consumer service scaling on backlog per consumer, and the queue handed only to fan-out sites.
import { strict as assert } from "node:assert";
import { SyncTask, type SyncTaskArgs } from "../../components/sync-task";
import { validateDefinition } from "../../devtools/stepfunctions/validate";
import { build, jsonInput, named, ofType, refusal, unwrap, useMocks } from "../../devtools/component-harness";
import { SITE_A, SITE_B, SYNC_TASK_ARGS } from "../../devtools/sync-task-fixture";

const base: SyncTaskArgs = {
  ...SYNC_TASK_ARGS,
  fanOut: { siteIds: [SITE_B], maxConsumers: 4 },
};
const make = (args: SyncTaskArgs) => (name: string) => new SyncTask(name, args);

describe("SyncFanOut (downloads through SQS for the sites that need it)", () => {
  before(useMocks);

  it("creates the queue with its dead-letter redrive and gives the task role those two queues only", async () => {
    const { component, resources } = await build("f1", make(base));
    const queue = named(resources, "f1-fanout-queue").inputs;
    const dlqUrl = await unwrap(component.fanOut!.deadLetterQueueUrl);
    assert.ok(dlqUrl);
    const redrive = JSON.parse(queue.redrivePolicy as string);
    assert.equal(redrive.maxReceiveCount, 5);
    assert.match(redrive.deadLetterTargetArn, /^arn:aws:sqs:.*:f1-fanout-dlq-/);
    assert.equal(queue.sqsManagedSseEnabled, true);
    const policy = jsonInput(named(resources, "f1-fanout-task-permissions"), "policy");
    assert.deepEqual(
      policy.Statement.map((s: { Action: string | string[] }) => s.Action),
      [
        ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        "sqs:GetQueueAttributes",
      ],
    );
    assert.equal(
      named(resources, "f1-fanout-task-permissions").inputs.role,
      await unwrap(named(resources, "f1-task").outputs.name as string),
    );
  });

  it("runs consumers from the sync container with `consume`, scaled on backlog per consumer from zero", async () => {
    const { resources } = await build("f2", make(base));
    const [container] = jsonInput(named(resources, "f2-fanout-consumer"), "containerDefinitions");
    assert.deepEqual(container.command, ["consume"]);
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    assert.match(env.DOWNLOAD_QUEUE_URL, /f2-fanout-queue/);
    assert.match(env.DOWNLOAD_DEAD_LETTER_QUEUE_URL, /f2-fanout-dlq/);
    assert.equal(env.CONTENT_BUCKET !== undefined, true, "the rest of the sync environment is kept");
    const target = named(resources, "f2-fanout-scaling").inputs;
    assert.deepEqual(
      [target.minCapacity, target.maxCapacity, target.scalableDimension],
      [0, 4, "ecs:service:DesiredCount"],
    );
    const scaling = named(resources, "f2-fanout-backlog-per-consumer").inputs
      .targetTrackingScalingPolicyConfiguration as any;
    assert.equal(scaling.targetValue, 200);
    assert.equal(
      scaling.customizedMetricSpecification.metrics.at(-1).expression,
      "visible / IF(running < 1, 1, running)",
    );
    assert.equal(named(resources, "f2-fanout-consumers").inputs.desiredCount, 0);
  });

  it("hands the queue to the fan-out site's runs only, in both orchestration modes", async () => {
    const { resources } = await build("f3", make(base));
    const inputs = ofType(resources, "aws:scheduler/schedule:Schedule").map(
      (s) => JSON.parse((s.inputs.target as { input: string }).input).containerOverrides[0],
    );
    const bySite = Object.fromEntries(
      inputs.map((o: { command: string[]; environment?: unknown[] }) => [o.command[2], o.environment]),
    );
    assert.equal(bySite[SITE_A], undefined);
    assert.deepEqual(
      (bySite[SITE_B] as Array<{ name: string }>).map((e) => e.name),
      ["DOWNLOAD_QUEUE_URL", "DOWNLOAD_DEAD_LETTER_QUEUE_URL"],
    );

    const { resources: sfn } = await build("f4", make({ ...base, orchestration: "stepFunctions" }));
    for (const machine of ofType(sfn, "aws:sfn/stateMachine:StateMachine")) {
      const definition = jsonInput(machine, "definition");
      assert.deepEqual(validateDefinition(definition), []);
      const override = definition.States.RunChunk.Parameters.Overrides.ContainerOverrides[0];
      if (override.Command[2] === SITE_B)
        assert.deepEqual(
          override.Environment.map((e: { Name: string }) => e.Name),
          ["DOWNLOAD_QUEUE_URL", "DOWNLOAD_DEAD_LETTER_QUEUE_URL"],
        );
      else assert.equal(override.Environment, undefined);
    }
  });

  it("refuses a fan-out site that is not synced, and an impossible consumer range", () => {
    assert.match(
      refusal(() => new SyncTask("f5", { ...base, fanOut: { siteIds: ["contoso.sharepoint.com,x,y"] } })),
      /fanOut\.siteIds: .* is not one of siteIds/,
    );
    assert.match(
      refusal(() => new SyncTask("f6", { ...base, fanOut: { siteIds: [SITE_B], minConsumers: 5, maxConsumers: 2 } })),
      /fanOut\.maxConsumers: expected 0 <= minConsumers \(5\) <= maxConsumers \(2\)/,
    );
  });
});
