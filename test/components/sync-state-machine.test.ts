// The chunked-sync definition as a pure value: valid Amazon States Language (asl-validator), it routes on the
// worker's exit codes (one list, in the shared contract), and bad options are refused by name.
import { strict as assert } from "node:assert";
import {
  backoffSchedule,
  chunkedSyncDefinition,
  STATE,
  type ChunkedSyncOptions,
} from "../../components/sync-state-machine";
import { validateDefinition } from "../../devtools/stepfunctions/validate";
import { SITE_A as SITE, SYNC_NETWORK } from "../../devtools/sync-task-fixture";
import { WORKER_EXIT as EXIT } from "../../worker/src/contract";

const options: ChunkedSyncOptions = {
  siteId: SITE,
  clusterArn: "arn:aws:ecs:ap-southeast-2:111122223333:cluster/zs-dev-sync",
  taskDefinitionArn: "arn:aws:ecs:ap-southeast-2:111122223333:task-definition/zs-dev-sync-worker:7",
  containerName: "worker",
  subnetIds: [...SYNC_NETWORK.subnetIds],
  securityGroupIds: [...SYNC_NETWORK.securityGroupIds],
  assignPublicIp: false,
  fargateSpot: true,
  chunkSeconds: 2700,
  taskTimeoutSeconds: 3600,
  maxChunks: 100,
  maxFailures: 5,
  maxLeaseWaits: 10,
  leaseWaitSeconds: 120,
  chunkPauseSeconds: 5,
};
type States = Record<string, Record<string, any>>;

describe("chunkedSyncDefinition (the Step Functions definition)", () => {
  it("is valid Amazon States Language, and the validator does catch a broken one", () => {
    const definition = chunkedSyncDefinition(options);
    assert.deepEqual(validateDefinition(definition), []);
    const broken = structuredClone(definition) as { States: States };
    broken.States[STATE.waitBetweenChunks]!.Next = "NoSuchState";
    assert.ok(validateDefinition(broken).some((p) => p.includes("NoSuchState")));
    const badPath = structuredClone(definition) as { States: States };
    badPath.States[STATE.runChunk]!.ResultPath = "$..task[";
    assert.notDeepEqual(validateDefinition(badPath), []);
  });

  it("routes on the worker's own exit codes", () => {
    const choices = (chunkedSyncDefinition(options).States as States)[STATE.classifyExit]!.Choices as Array<{
      NumericEquals?: number;
      Next: string;
    }>;
    const route = Object.fromEntries(
      choices.filter((c) => c.NumericEquals !== undefined).map((c) => [c.NumericEquals, c.Next]),
    );
    assert.deepEqual(route, {
      [EXIT.ok]: STATE.roundCompleted,
      [EXIT.moreWork]: STATE.nextChunk,
      [EXIT.completedWithQuarantine]: STATE.roundCompletedWithQuarantine,
      [EXIT.leaseHeld]: STATE.leaseHeld,
      [EXIT.config]: STATE.describeBadConfiguration,
      [EXIT.interrupted.SIGINT]: STATE.nextChunk,
      [EXIT.interrupted.SIGTERM]: STATE.nextChunk,
    });
    // A failed round (exit 1) is no route of its own: it falls through to the failure count and retry.
    assert.ok(!(EXIT.failed in route));
  });

  it("runs the site's chunk on Fargate Spot in private subnets, bounded by the timeout, with backoff on API errors", () => {
    const run = (chunkedSyncDefinition(options).States as States)[STATE.runChunk]!;
    assert.equal(run.Resource, "arn:aws:states:::ecs:runTask.sync");
    assert.equal(run.TimeoutSeconds, 3600);
    assert.deepEqual(run.Parameters.CapacityProviderStrategy, [{ CapacityProvider: "FARGATE_SPOT", Weight: 1 }]);
    assert.equal(
      run.Parameters.LaunchType,
      undefined,
      "RunTask refuses a launch type beside a capacity provider strategy",
    );
    assert.equal(run.Parameters.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, "DISABLED");
    assert.deepEqual(run.Parameters.Overrides.ContainerOverrides, [
      { Name: "worker", Command: ["sync", "--site", SITE, "--max-duration", "2700"] },
    ]);
    assert.deepEqual(run.Retry[0].ErrorEquals, ["ECS.AmazonECSException", "AmazonECS.Unknown"]);
    assert.equal(run.Retry[0].BackoffRate, 2);
    assert.deepEqual(
      run.Catch.map((c: { ErrorEquals: string[] }) => c.ErrorEquals[0]),
      ["States.TaskFailed", "States.Timeout", "States.ALL"],
    );
    const onDemand = (chunkedSyncDefinition({ ...options, fargateSpot: false }).States as States)[STATE.runChunk]!;
    assert.equal(onDemand.Parameters.LaunchType, "FARGATE");
  });

  it("backs off 30 s, 60 s, 120 s ... between failed chunks", () => {
    assert.deepEqual(backoffSchedule(5), [0, 30, 60, 120, 240, 480]);
  });

  it("refuses options that cannot work, naming the field", () => {
    assert.throws(() => chunkedSyncDefinition({ ...options, chunkSeconds: 3500 }), /^Error: chunkSeconds: .*300 s/);
    assert.throws(
      () => chunkedSyncDefinition({ ...options, maxFailures: 0 }),
      /^Error: maxFailures: expected a whole number from 1 to 10/,
    );
  });
});
