// Both orchestration modes of the SyncTask component under Pulumi's mock runtime.
import { strict as assert } from "node:assert";
import { SyncTask, type SyncTaskArgs } from "../../components/sync-task";
import { validateDefinition } from "../../devtools/stepfunctions/validate";
import { build, jsonInput, MOCK_ENV, named, ofType, unwrap, useMocks } from "../../devtools/component-harness";
import { SITE_A, SITE_B, SYNC_TASK_ARGS } from "../../devtools/sync-task-fixture";

const base: SyncTaskArgs = {
  ...SYNC_TASK_ARGS,
};
const make = (args: SyncTaskArgs) => (name: string) => new SyncTask(name, args);

describe("SyncTask orchestration modes", () => {
  before(useMocks);

  it("schedule (default): one schedule per site runs the ECS task; no state machine", async () => {
    const { resources } = await build("o1", make(base));
    assert.equal(ofType(resources, "aws:sfn/stateMachine:StateMachine").length, 0);
    const schedules = ofType(resources, "aws:scheduler/schedule:Schedule");
    assert.equal(schedules.length, 2);
    for (const s of schedules) assert.ok((s.inputs.target as { ecsParameters?: unknown }).ecsParameters);
  });

  it("stepFunctions: a valid state machine per site, started by its schedule, and no schedule runs ECS directly", async () => {
    const { component, resources } = await build(
      "o2",
      make({ ...base, orchestration: "stepFunctions", fargateSpot: true }),
    );
    const machines = ofType(resources, "aws:sfn/stateMachine:StateMachine");
    assert.deepEqual(
      machines.map((m) => m.name),
      [
        "o2-orchestration-8f9e0d1c-2b3a-4c5d-8e7f-6a5b4c3d2e1f",
        "o2-orchestration-9a0b1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d",
      ],
    );
    const taskDefinitionArn = await unwrap(component.taskDefinitionArn);
    for (const [i, machine] of machines.entries()) {
      assert.equal(machine.inputs.type, "STANDARD");
      assert.equal(machine.inputs.name, machine.name, "named, so that the role can refer to it before it exists");
      const definition = jsonInput(machine, "definition");
      assert.deepEqual(validateDefinition(definition), []);
      const run = definition.States.RunChunk.Parameters;
      assert.equal(run.TaskDefinition, taskDefinitionArn);
      assert.equal(run.Cluster, await unwrap(component.clusterArn));
      assert.deepEqual(run.Overrides.ContainerOverrides[0].Command, [
        "sync",
        "--site",
        [SITE_A, SITE_B][i],
        "--max-duration",
        "2700",
      ]);
      assert.equal(definition.States.RunChunk.TimeoutSeconds, 3600);
    }
    const schedules = ofType(resources, "aws:scheduler/schedule:Schedule");
    assert.equal(schedules.length, 2);
    const arns = await Promise.all(Object.values(component.stateMachineArns).map(unwrap));
    assert.deepEqual(schedules.map((s) => (s.inputs.target as { arn: string }).arn).sort(), [...arns].sort());
    for (const s of schedules) assert.equal((s.inputs.target as { ecsParameters?: unknown }).ecsParameters, undefined);
    assert.equal(resources.filter((r) => r.name === "o2-scheduler").length, 0, "the ECS scheduler role is not created");
  });

  it("gives the state machine role the documented .sync permissions and nothing more", async () => {
    const { component, resources } = await build("o3", make({ ...base, orchestration: "stepFunctions" }));
    const trust = jsonInput(named(resources, "o3-orchestration-role"), "assumeRolePolicy");
    assert.deepEqual(trust.Statement[0].Principal, { Service: "states.amazonaws.com" });
    // Confused-deputy guard: this account, and only this component's state machines.
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: { "aws:SourceAccount": MOCK_ENV.accountId },
      ArnLike: {
        "aws:SourceArn": `arn:aws:states:${MOCK_ENV.region}:${MOCK_ENV.accountId}:stateMachine:o3-orchestration-*`,
      },
    });
    const policy = jsonInput(named(resources, "o3-orchestration-role-permissions"), "policy");
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    const cluster = await unwrap(component.clusterArn);
    const clusterName = cluster.split("/").at(-1);
    assert.deepEqual(Object.keys(bySid), [
      "RunSyncTask",
      "WatchSyncTasks",
      "PassSyncRoles",
      "EcsTaskStoppedEvents",
      "OneExecutionPerSite",
    ]);
    assert.equal(bySid.RunSyncTask.Action, "ecs:RunTask");
    assert.match(bySid.RunSyncTask.Resource, /:task-definition\/.+:\*$/);
    assert.deepEqual(bySid.RunSyncTask.Condition, { ArnEquals: { "ecs:cluster": cluster } });
    assert.equal(
      bySid.WatchSyncTasks.Resource,
      `arn:aws:ecs:${MOCK_ENV.region}:${MOCK_ENV.accountId}:task/${clusterName}/*`,
    );
    assert.deepEqual(bySid.PassSyncRoles.Resource, [
      await unwrap(component.taskRoleArn),
      await unwrap(component.executionRoleArn),
    ]);
    assert.deepEqual(bySid.PassSyncRoles.Condition, {
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
    assert.equal(
      bySid.EcsTaskStoppedEvents.Resource,
      `arn:aws:events:${MOCK_ENV.region}:${MOCK_ENV.accountId}:rule/StepFunctionsGetEventsForECSTaskRule`,
    );
    const machines = await Promise.all(Object.values(component.stateMachineArns).map(unwrap));
    assert.deepEqual(bySid.OneExecutionPerSite.Resource, machines);
    const scheduler = jsonInput(named(resources, "o3-orchestration-scheduler-permissions"), "policy");
    assert.deepEqual(scheduler.Statement, [
      { Sid: "StartSiteSync", Effect: "Allow", Action: "states:StartExecution", Resource: machines },
    ]);
  });

  it("refuses a chunk that leaves no time to checkpoint, naming the field", () => {
    assert.throws(
      () =>
        new SyncTask("o4", {
          ...base,
          orchestration: "stepFunctions",
          chunking: { chunkMinutes: 58, taskTimeoutMinutes: 60 },
        }),
      /chunking\.chunkSeconds: a chunk of 3480 s leaves less than 300 s/,
    );
  });
});
