/**
 * The Amazon States Language definition of the chunked sync (orchestration `stepFunctions`): a pure builder, so the
 * definition is validated with a real ASL validator and executed by a local interpreter in the tests without Pulumi.
 *
 * One state machine per site. Each execution:
 *   1. refuses to run beside another execution of the same state machine (ListExecutions: the newest of two running
 *      executions stops at once, so a schedule that fires while a long round is still going does nothing);
 *   2. runs the worker as an ECS task (`ecs:runTask.sync`) for one bounded chunk (`sync --max-duration`);
 *   3. reads the worker's exit code, from the task description on success or from the `States.TaskFailed` cause (the
 *      `.sync` integration reports a stopped task with a non-zero essential container as a failure, its cause the
 *      task description as JSON), and decides:
 *        0 round completed                       -> succeed
 *        65 round completed, items quarantined   -> succeed too (the deltaLink is saved: another chunk would
 *                                                   start the next round, not finish this one); the
 *                                                   QuarantinedItems alarm is what watches the quarantine
 *        3 stopped at a durable checkpoint       -> short wait, next chunk
 *        75 lease held by another worker         -> wait longer than the lease lifetime, try again (bounded)
 *        130/143 stopped by signal (Spot, timeout) -> the checkpoint is durable: next chunk
 *        78 bad configuration                    -> fail at once (retrying cannot help)
 *        anything else, or no exit code at all   -> back off (30 s, 60 s, ...) and retry, bounded, then fail
 *   ECS API errors (`ECS.AmazonECSException`, and `AmazonECS.Unknown` for a RunTask answer with Failures such as no
 *   Spot capacity) are retried by the Task's own Retry with exponential backoff and jitter.
 * Every failure ends in one Fail state whose Error and Cause say why (execution history, the ExecutionsFailed metric
 * and its alarm).
 *
 * Sources: https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html (the .sync pattern, AmazonECS.Unknown),
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (Retry, Catch, States.TaskFailed),
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html (newest first).
 */
import { WORKER_EXIT } from "../worker/src/contract";

/** The Task states a local interpreter has to stand in for. */
export const STATE = {
  init: "Init",
  listRunning: "ListRunningExecutions",
  alreadyRunning: "AlreadyRunning",
  runChunk: "RunChunk",
  readStoppedTask: "ReadStoppedTask",
  classifyExit: "ClassifyExit",
  nextChunk: "NextChunk",
  chunkBudget: "ChunkBudget",
  waitBetweenChunks: "WaitBetweenChunks",
  leaseHeld: "LeaseHeld",
  leaseBudget: "LeaseWaitBudget",
  waitForLease: "WaitForLease",
  chunkFailed: "ChunkFailed",
  failureBudget: "FailureBudget",
  backOff: "BackOff",
  roundCompleted: "RoundCompleted",
  roundCompletedWithQuarantine: "RoundCompletedWithQuarantine",
  describeApiFailure: "DescribeApiFailure",
  describeChunkFailures: "DescribeChunkFailures",
  describeLeaseHeld: "DescribeLeaseHeld",
  describeChunkLimit: "DescribeChunkLimit",
  describeBadConfiguration: "DescribeBadConfiguration",
  syncFailed: "SyncFailed",
} as const;

/** Error names the execution fails with (the Fail state's Error). */
export const FAILURE = {
  api: "EcsRunTaskFailed",
  chunks: "SyncChunkFailed",
  lease: "LeaseHeldTooLong",
  chunkLimit: "ChunkLimitReached",
  configuration: "WorkerConfigurationInvalid",
} as const;

export interface ChunkedSyncOptions {
  readonly siteId: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly assignPublicIp: boolean;
  readonly fargateSpot: boolean;
  /** The worker's budget per chunk (`sync --max-duration`), seconds. */
  readonly chunkSeconds: number;
  /** The Task state's timeout; Step Functions stops the ECS task (SIGTERM) when it passes. Seconds. */
  readonly taskTimeoutSeconds: number;
  /** Chunks one execution may run before it gives up (the next schedule carries on from the checkpoint). */
  readonly maxChunks: number;
  /** Consecutive failed chunks before the execution fails. */
  readonly maxFailures: number;
  /** Waits for a lease held by another worker before the execution fails. */
  readonly maxLeaseWaits: number;
  /** Wait before trying again when the lease is held; longer than the lease lifetime. Seconds. */
  readonly leaseWaitSeconds: number;
  /** Pause between chunks. Seconds. */
  readonly chunkPauseSeconds: number;
  /** Extra container environment for this site's runs (fan-out: the download queue). */
  readonly environment?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/** Backoff after the n-th consecutive failed chunk (index n; index 0 is unused), doubling from 30 s. */
export function backoffSchedule(maxFailures: number): number[] {
  return [0, ...Array.from({ length: maxFailures }, (_, i) => Math.min(30 * 2 ** i, 3600))];
}

/** Checks the options; the message names the field. */
export function checkChunkedSyncOptions(o: ChunkedSyncOptions): void {
  const whole = (field: keyof ChunkedSyncOptions, min: number, max: number) => {
    const value = o[field] as number;
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`${field}: expected a whole number from ${min} to ${max}, got ${value}`);
  };
  whole("chunkSeconds", 0, 86_400);
  whole("taskTimeoutSeconds", 120, 86_400);
  whole("maxChunks", 1, 1000);
  whole("maxFailures", 1, 10);
  whole("maxLeaseWaits", 1, 100);
  whole("leaseWaitSeconds", 1, 3600);
  whole("chunkPauseSeconds", 0, 3600);
  // The worker needs time after its deadline to finish the page in flight, checkpoint and release the lease.
  if (o.chunkSeconds + 300 > o.taskTimeoutSeconds)
    throw new Error(
      `chunkSeconds: a chunk of ${o.chunkSeconds} s leaves less than 300 s of the task's ${o.taskTimeoutSeconds} s timeout to checkpoint; shorten the chunk or lengthen the timeout`,
    );
}

/** The state machine definition (an ASL object; `JSON.stringify` it for the resource). */
export function chunkedSyncDefinition(o: ChunkedSyncOptions): Record<string, unknown> {
  checkChunkedSyncOptions(o);
  const exitCode = "$.task.Containers[0].ExitCode";
  const carry = { "siteId.$": "$.siteId", "counters.$": "$.counters", "backoff.$": "$.backoff" };
  const counters = (chunks: string, failures: string, leaseWaits: string) => ({
    "siteId.$": "$.siteId",
    "backoff.$": "$.backoff",
    counters: { "chunks.$": chunks, "failures.$": failures, "leaseWaits.$": leaseWaits },
  });
  /** A Pass that states the error and its cause (`cause` is literal text, `causeFrom` an intrinsic), then fails. */
  const fail = (error: string, cause: { text: string } | { from: string }) => ({
    Type: "Pass",
    Parameters: { ...carry, error, ...("text" in cause ? { cause: cause.text } : { "cause.$": cause.from }) },
    Next: STATE.syncFailed,
  });
  const exitIs = (code: number, next: string) => ({ Variable: exitCode, NumericEquals: code, Next: next });

  return {
    Comment: `Chunked SharePoint sync of site ${o.siteId}: one bounded worker run per chunk until the delta round completes`,
    StartAt: STATE.init,
    States: {
      [STATE.init]: {
        Type: "Pass",
        Comment: "The site is part of the definition: an execution can only ever sync its own site",
        Parameters: {
          siteId: o.siteId,
          counters: { chunks: 0, failures: 0, leaseWaits: 0 },
          backoff: backoffSchedule(o.maxFailures),
        },
        Next: STATE.listRunning,
      },
      [STATE.listRunning]: {
        Type: "Task",
        Comment: "Never two executions at once: ListExecutions answers newest first",
        Resource: "arn:aws:states:::aws-sdk:sfn:listExecutions",
        Parameters: { "StateMachineArn.$": "$$.StateMachine.Id", StatusFilter: "RUNNING", MaxResults: 2 },
        ResultSelector: {
          "count.$": "States.ArrayLength($.Executions)",
          "newest.$": "$.Executions[0].ExecutionArn",
          "self.$": "$$.Execution.Id",
        },
        ResultPath: "$.running",
        Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3 }],
        Next: "IsAnotherRunning",
      },
      IsAnotherRunning: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.running.count", NumericGreaterThan: 1 },
              { Variable: "$.running.newest", StringEqualsPath: "$.running.self" },
            ],
            Next: STATE.alreadyRunning,
          },
        ],
        Default: STATE.runChunk,
      },
      [STATE.alreadyRunning]: {
        Type: "Succeed",
        Comment: "An older execution is syncing this site; it carries on and this one ends here",
      },
      [STATE.runChunk]: {
        Type: "Task",
        Resource: "arn:aws:states:::ecs:runTask.sync",
        TimeoutSeconds: o.taskTimeoutSeconds,
        Parameters: {
          Cluster: o.clusterArn,
          TaskDefinition: o.taskDefinitionArn,
          ...(o.fargateSpot
            ? { CapacityProviderStrategy: [{ CapacityProvider: "FARGATE_SPOT", Weight: 1 }] }
            : { LaunchType: "FARGATE" }),
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              Subnets: [...o.subnetIds],
              SecurityGroups: [...o.securityGroupIds],
              AssignPublicIp: o.assignPublicIp ? "ENABLED" : "DISABLED",
            },
          },
          PropagateTags: "TASK_DEFINITION",
          Overrides: {
            ContainerOverrides: [
              {
                Name: o.containerName,
                Command: ["sync", "--site", o.siteId, "--max-duration", String(o.chunkSeconds)],
                ...(o.environment?.length
                  ? { Environment: o.environment.map((e) => ({ Name: e.name, Value: e.value })) }
                  : {}),
              },
            ],
          },
        },
        ResultPath: "$.task",
        Retry: [
          {
            ErrorEquals: ["ECS.AmazonECSException", "AmazonECS.Unknown"],
            IntervalSeconds: 30,
            BackoffRate: 2,
            MaxAttempts: 4,
            MaxDelaySeconds: 600,
            JitterStrategy: "FULL",
          },
        ],
        Catch: [
          { ErrorEquals: ["States.TaskFailed"], ResultPath: "$.failure", Next: STATE.readStoppedTask },
          // The timeout stops the task with SIGTERM: the worker checkpoints, so the next chunk resumes.
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.failure", Next: STATE.nextChunk },
          { ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: STATE.describeApiFailure },
        ],
        Next: STATE.classifyExit,
      },
      [STATE.readStoppedTask]: {
        Type: "Pass",
        Comment: "The .sync integration's failure cause is the stopped task's description as JSON",
        Parameters: { ...carry, "task.$": "States.StringToJson($.failure.Cause)" },
        Next: STATE.classifyExit,
      },
      [STATE.classifyExit]: {
        Type: "Choice",
        Choices: [
          { Not: { Variable: exitCode, IsPresent: true }, Next: STATE.chunkFailed },
          exitIs(WORKER_EXIT.ok, STATE.roundCompleted),
          exitIs(WORKER_EXIT.completedWithQuarantine, STATE.roundCompletedWithQuarantine),
          exitIs(WORKER_EXIT.moreWork, STATE.nextChunk),
          exitIs(WORKER_EXIT.leaseHeld, STATE.leaseHeld),
          exitIs(WORKER_EXIT.interrupted.SIGTERM, STATE.nextChunk),
          exitIs(WORKER_EXIT.interrupted.SIGINT, STATE.nextChunk),
          exitIs(WORKER_EXIT.config, STATE.describeBadConfiguration),
        ],
        Default: STATE.chunkFailed,
      },
      [STATE.roundCompleted]: { Type: "Succeed", Comment: "The delta round completed: its deltaLink is saved" },
      [STATE.roundCompletedWithQuarantine]: {
        Type: "Succeed",
        Comment:
          "The delta round completed with items in quarantine (exit 65): its deltaLink is saved, the next round retries them, and the QuarantinedItems alarm watches them",
      },
      [STATE.nextChunk]: {
        Type: "Pass",
        Parameters: counters("States.MathAdd($.counters.chunks, 1)", "$.counters.failures", "$.counters.leaseWaits"),
        Next: STATE.chunkBudget,
      },
      [STATE.chunkBudget]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.counters.chunks", NumericGreaterThanEquals: o.maxChunks, Next: STATE.describeChunkLimit },
        ],
        Default: STATE.waitBetweenChunks,
      },
      [STATE.waitBetweenChunks]: { Type: "Wait", Seconds: o.chunkPauseSeconds, Next: STATE.runChunk },
      [STATE.leaseHeld]: {
        Type: "Pass",
        Parameters: counters("$.counters.chunks", "$.counters.failures", "States.MathAdd($.counters.leaseWaits, 1)"),
        Next: STATE.leaseBudget,
      },
      [STATE.leaseBudget]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.counters.leaseWaits", NumericGreaterThan: o.maxLeaseWaits, Next: STATE.describeLeaseHeld },
        ],
        Default: STATE.waitForLease,
      },
      [STATE.waitForLease]: { Type: "Wait", Seconds: o.leaseWaitSeconds, Next: STATE.runChunk },
      [STATE.chunkFailed]: {
        Type: "Pass",
        Parameters: { ...carry, "task.$": "$.task", "failures.$": "States.MathAdd($.counters.failures, 1)" },
        Next: STATE.failureBudget,
      },
      [STATE.failureBudget]: {
        Type: "Choice",
        Choices: [{ Variable: "$.failures", NumericGreaterThan: o.maxFailures, Next: STATE.describeChunkFailures }],
        Default: STATE.backOff,
      },
      [STATE.backOff]: {
        Type: "Pass",
        Parameters: {
          ...counters("$.counters.chunks", "$.failures", "$.counters.leaseWaits"),
          "waitSeconds.$": "States.ArrayGetItem($.backoff, $.failures)",
        },
        Next: "WaitAfterFailure",
      },
      WaitAfterFailure: { Type: "Wait", SecondsPath: "$.waitSeconds", Next: STATE.runChunk },
      [STATE.describeApiFailure]: fail(FAILURE.api, {
        from: "States.Format('RunTask failed after its retries: {}: {}', $.failure.Error, $.failure.Cause)",
      }),
      [STATE.describeChunkFailures]: fail(FAILURE.chunks, {
        from: `States.Format('${o.maxFailures + 1} chunks in a row failed; the last stopped task: {}', States.JsonToString($.task))`,
      }),
      [STATE.describeLeaseHeld]: fail(FAILURE.lease, {
        text: `Another worker held the lease through ${o.maxLeaseWaits} waits of ${o.leaseWaitSeconds} s; see the runbook (stuck lease)`,
      }),
      [STATE.describeChunkLimit]: fail(FAILURE.chunkLimit, {
        text: `${o.maxChunks} chunks ran without completing the round; the next execution resumes from the checkpoint`,
      }),
      [STATE.describeBadConfiguration]: fail(FAILURE.configuration, {
        from: "States.Format('The worker refused its configuration (exit 78); its log names every problem. Stopped task: {}', States.JsonToString($.task))",
      }),
      [STATE.syncFailed]: { Type: "Fail", ErrorPath: "$.error", CausePath: "$.cause" },
    },
  };
}
