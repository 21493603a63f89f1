// The chunked sync (orchestration `stepFunctions`) on this machine: the definition the stack
// generates, executed by the local ASL interpreter, whose RunTask stand-in runs the real worker
// against the emulators of a WorkerHarness (Graph emulator, dynalite, s3rver).
import { chunkedSyncDefinition, type ChunkedSyncOptions } from "../../components/sync-state-machine";
import { SITE_ID, type WorkerHarness } from "../worker/harness";
import { EcsRunTaskStandIn } from "./ecs-run-task";
import { LocalStateMachine } from "./local-state-machine";

const REGION = "ap-southeast-2";
const ACCOUNT = "111122223333";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/zs-local-sync`;
export const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/zs-local-sync-worker:1`;
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:zs-local-sync-site`;

export interface ChunkedSyncWorld {
  readonly machine: LocalStateMachine;
  readonly ecs: EcsRunTaskStandIn;
  /** Exit codes of the worker runs, in order. */
  readonly exitCodes: Array<number | null>;
}

export interface ChunkedSyncWorldOptions {
  /** Overrides of the generated definition's options (the site, cluster and task definition are fixed). */
  readonly definition?: Partial<ChunkedSyncOptions>;
  /** Extra environment for the worker (e.g. to break its configuration). */
  readonly env?: Record<string, string | undefined>;
  /** Awaited before each worker starts (e.g. to hold a task back while a second execution starts). */
  readonly beforeTask?: () => Promise<void>;
}

export function chunkedSyncWorld(h: WorkerHarness, opts: ChunkedSyncWorldOptions = {}): ChunkedSyncWorld {
  const exitCodes: Array<number | null> = [];
  const ecs = new EcsRunTaskStandIn({
    arn: TASK_DEFINITION_ARN,
    clusterArn: CLUSTER_ARN,
    containerNames: ["worker"],
    async run(command, environment) {
      await opts.beforeTask?.();
      // The local "image" adds the loopback-only switches; everything else comes from the state machine.
      const exit = await h.spawn([...command, ...h.localSyncSwitches()], h.env({ ...environment, ...opts.env })).exited;
      exitCodes.push(exit.code);
      return exit.code;
    },
  });
  const definition = chunkedSyncDefinition({
    siteId: SITE_ID,
    clusterArn: CLUSTER_ARN,
    taskDefinitionArn: TASK_DEFINITION_ARN,
    containerName: "worker",
    subnetIds: ["subnet-0a1b2c3d4e5f60718"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    assignPublicIp: false,
    fargateSpot: true,
    chunkSeconds: 0,
    taskTimeoutSeconds: 3600,
    maxChunks: 50,
    maxFailures: 3,
    maxLeaseWaits: 5,
    leaseWaitSeconds: 120,
    chunkPauseSeconds: 5,
    ...opts.definition,
  });
  const machine = new LocalStateMachine({
    arn: STATE_MACHINE_ARN,
    definition,
    tasks: { RunChunk: ecs.runTaskSync as never },
  });
  return { machine, ecs, exitCodes };
}
