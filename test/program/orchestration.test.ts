/**
 * Both orchestration modes in both real stacks: each stack file as committed (dev: schedule, prod: stepFunctions) and
 * a copy with the other mode, each run once under the mock runtime.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { runStackUnderMocks, StackRun } from "../../tools/mock-runtime";
import { copyProgram } from "../../devtools/program-copy";

const ROOT = path.resolve(__dirname, "..", "..");
const MODES = ["schedule", "stepFunctions"] as const;

/** The stack file with `zerosecrets:sync.orchestration` set to `mode`. */
function withMode(stackFile: string, mode: (typeof MODES)[number]): string {
  const withoutMode = stackFile.replace(/^ {4}orchestration: \w+\n/m, "");
  return withoutMode.replace("  zerosecrets:sync:\n", `  zerosecrets:sync:\n    orchestration: ${mode}\n`);
}

describe("orchestration modes in the dev and prod stacks", function () {
  const copy = path.join(ROOT, ".local", `orchestration-test-${process.pid}`);
  const runs: Record<string, StackRun> = {};

  before(async function () {
    fs.mkdirSync(copy, { recursive: true });
    copyProgram(copy);
    for (const stack of ["dev", "prod"])
      for (const mode of MODES)
        fs.writeFileSync(
          path.join(copy, `Pulumi.${stack}${mode}.yaml`),
          withMode(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"), mode),
        );
    const results = await Promise.all(
      ["dev", "prod"].flatMap((stack) =>
        MODES.map(
          async (mode) =>
            [`${stack}/${mode}`, await runStackUnderMocks({ stack: `${stack}${mode}`, projectDir: copy })] as const,
        ),
      ),
    );
    for (const [key, run] of results) runs[key] = run;
  });
  after(() => fs.rmSync(copy, { recursive: true, force: true }));

  for (const stack of ["dev", "prod"]) {
    const sites = stack === "dev" ? 1 : 2;
    it(`${stack}, schedule: each site's schedule runs the worker task on the cluster`, () => {
      const run = runs[`${stack}/schedule`]!;
      const schedules = run.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule");
      assert.equal(schedules.length, sites);
      for (const s of schedules) {
        const target = s.inputs.target as { arn: string; ecsParameters?: { taskCount: number } };
        assert.match(target.arn, /:cluster\//);
        assert.equal(target.ecsParameters?.taskCount, 1);
      }
      assert.equal(run.resources.filter((r) => r.type === "aws:sfn/stateMachine:StateMachine").length, 0);
      assert.deepEqual(run.outputs.stateMachineArns, {});
    });

    it(`${stack}, stepFunctions: each site's schedule starts its own state machine, which runs the worker in chunks`, () => {
      const run = runs[`${stack}/stepFunctions`]!;
      const machines = run.resources.filter((r) => r.type === "aws:sfn/stateMachine:StateMachine");
      assert.equal(machines.length, sites);
      const schedules = run.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule");
      assert.deepEqual(
        schedules.map((s) => (s.inputs.target as { arn: string }).arn).sort(),
        machines.map((m) => m.outputs.arn as string).sort(),
      );
      const outputs = run.outputs.stateMachineArns as Record<string, string>;
      assert.equal(Object.keys(outputs).length, sites);
      for (const machine of machines) {
        const definition = JSON.parse(machine.inputs.definition as string);
        const command = definition.States.RunChunk.Parameters.Overrides.ContainerOverrides[0].Command as string[];
        assert.equal(outputs[command[2]!], machine.outputs.arn, "each machine syncs the site it is published for");
        assert.equal(command[3], "--max-duration");
      }
      assert.equal(
        run.resources.filter((r) => r.type === "zerosecrets:sync:SyncStateMachines").length,
        1,
        "the state machines live in their own component",
      );
    });

    for (const mode of MODES)
      it(`${stack}, ${mode}: the plan holds the alarms (to one topic) and the dashboard`, () => {
        const run = runs[`${stack}/${mode}`]!;
        const alarms = run.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
        const perSite = [
          "failed-runs",
          "no-completed-round",
          "quarantined",
          ...(mode === "stepFunctions" ? ["failed-executions"] : []),
        ];
        const spot = stack === "dev" ? ["spot-interruptions"] : []; // dev runs on Fargate Spot
        assert.deepEqual(
          alarms.map((a) => a.name.replace(/^zs-\w+-ops-([0-9a-f-]{36}-)?/, "")).sort(),
          [...Array(sites).fill(perSite).flat(), "failed-tasks", ...spot].sort(),
        );
        const topics = new Set(alarms.map((a) => JSON.stringify(a.inputs.alarmActions)));
        assert.equal(topics.size, 1, "every alarm goes to the one topic");
        assert.equal(run.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard").length, 1);
        assert.ok(run.outputs.alarmTopicArn);
        assert.equal(run.outputs.dashboardName, `zs-${stack}${mode}-ops`);
      });
  }
});
