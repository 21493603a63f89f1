// One worker's delta round run in-process: the real Graph client against the Graph emulator (on
// loopback), the in-memory stores, the real lease keeper and round code. A test runs rounds in
// milliseconds, stops them, partitions them, and reads back what ended up in the stores.
import { createHash, randomUUID } from "node:crypto";
import { GraphClient } from "../../worker/src/graph/client";
import { GraphHttp, type GraphHttpOptions } from "../../worker/src/graph/http";
import { LeaseKeeper } from "../../worker/src/runtime/lease-keeper";
import { consumeTask, type ConsumerDeps, type Delivery, type TaskOutcome } from "../../worker/src/fanout/consume-task";
import type { DownloadTask } from "../../worker/src/fanout/download-queue";
import { systemClock } from "../../worker/src/runtime/clock";
import type { DownloadQueuePort } from "../../worker/src/sync/ports";
import { runRound, type RoundDeps, type RoundResult } from "../../worker/src/sync/run-round";
import { GraphEmulator, type GraphEmulatorOptions, type Library } from "../graph";
import { memoryLogger } from "./memory-logger";
import {
  MemoryCheckpoints,
  MemoryContent,
  MemoryDocuments,
  MemoryLeases,
  MemoryQuarantine,
  MemoryState,
  Partition,
} from "./memory-stores";

export const ROUND_SITE =
  "contoso.sharepoint.com,11111111-2222-4333-8444-555555555555,66666666-7777-4888-9999-000000000000";

export interface WorkerRun {
  readonly result?: RoundResult;
  readonly error?: unknown;
  readonly logs: Array<Record<string, unknown>>;
  readonly fence: number;
}

export interface RunOptions {
  concurrency?: number;
  /** Views of the stores across partitions (DynamoDB-like stores deliver late, content drops). */
  dynamo?: Partition;
  s3?: Partition;
  leaseTtlMs?: number;
  stop?: AbortSignal;
  itemAttempts?: number;
  finishPageRows?: number;
  http?: GraphHttpOptions;
  /** Called for every log line the worker writes (a test acts at an exact point of the round). */
  onLogLine?: (line: Record<string, unknown>) => void;
  /** Called whenever the round makes progress (what the watchdog is told). */
  onProgress?: () => void;
  /** `sync --max-duration`: the chunk's deadline. */
  deadline?: AbortSignal;
  /** Fan-out: downloads go to this queue. */
  downloads?: DownloadQueuePort;
}

export class RoundWorld {
  readonly documents = new MemoryDocuments();
  readonly checkpoints = new MemoryCheckpoints();
  readonly state = new MemoryState();
  readonly quarantine = new MemoryQuarantine();
  readonly leases = new MemoryLeases();
  readonly content = new MemoryContent();

  private constructor(readonly graph: GraphEmulator) {}

  static async start(options: GraphEmulatorOptions = {}): Promise<RoundWorld> {
    return new RoundWorld(await GraphEmulator.start({ seed: 7, ...options }));
  }

  library(siteId = ROUND_SITE): Library {
    return this.graph.site(siteId);
  }

  /** One `sync` run: lease, claim, round, release; never throws (the error is in the result). */
  async run(opts: RunOptions = {}): Promise<WorkerRun> {
    const logs: Array<Record<string, unknown>> = [];
    const logger = memoryLogger(logs, opts.onLogLine);
    const dynamo = <T extends object>(port: T) => (opts.dynamo ? opts.dynamo.wrap(port) : port);
    const stop = new AbortController();
    const abort = new AbortController();
    opts.stop?.addEventListener("abort", () => stop.abort(opts.stop!.reason), { once: true });
    let keeper: LeaseKeeper | undefined;
    try {
      keeper = await LeaseKeeper.acquire(
        dynamo(this.leases),
        ROUND_SITE,
        `worker-${randomUUID().slice(0, 6)}`,
        opts.leaseTtlMs ?? 60_000,
        logger,
      );
      keeper.lost.addEventListener("abort", () => {
        stop.abort(keeper!.lost.reason);
        abort.abort(keeper!.lost.reason);
      });
      const checkpoints = dynamo(this.checkpoints);
      const state = dynamo(this.state);
      await checkpoints.claim(ROUND_SITE, keeper.fence);
      await state.claim(ROUND_SITE, keeper.fence);
      const deps: RoundDeps = {
        siteId: ROUND_SITE,
        lease: keeper,
        graph: new GraphClient(this.graph.baseUrl, new GraphHttp({ startingDelayMs: 5, maxDelayMs: 50, ...opts.http })),
        documents: dynamo(this.documents),
        checkpoints,
        state,
        content: opts.s3 ? this.content.through(opts.s3) : this.content,
        quarantine: dynamo(this.quarantine),
        concurrency: opts.concurrency ?? 8,
        stop: stop.signal,
        abort: abort.signal,
        logger,
        itemAttempts: opts.itemAttempts,
        retryDelayMs: 5,
        finishPageRows: opts.finishPageRows,
        onProgress: opts.onProgress,
        deadline: opts.deadline,
        downloads: opts.downloads,
      };
      const result = await runRound(deps);
      if (keeper.lost.aborted) throw keeper.lost.reason;
      return { result, logs, fence: keeper.fence };
    } catch (err) {
      // As `sync` does: once the lease is lost, that is the reason, whatever call failed first.
      const error: unknown = keeper?.lost.aborted ? keeper.lost.reason : err;
      logger.error({ err: error }, "run failed");
      return { error, logs, fence: keeper?.fence ?? 0 };
    } finally {
      await keeper?.release().catch(() => undefined);
    }
  }

  /** One fan-out consumer's handling of one delivery of `task`, against the same stores; throws as `consume` would. */
  async consume(
    task: DownloadTask,
    delivery: Delivery = { receiveCount: 1, last: false },
    logs: Array<Record<string, unknown>> = [],
  ): Promise<TaskOutcome> {
    const deps: ConsumerDeps = {
      graph: new GraphClient(this.graph.baseUrl, new GraphHttp({ startingDelayMs: 5, maxDelayMs: 50 })),
      documents: this.documents,
      content: this.content,
      quarantine: this.quarantine,
      logger: memoryLogger(logs),
      clock: systemClock,
      abort: new AbortController().signal,
      counters: { hashMismatches: 0 },
    };
    return consumeTask(deps, task, delivery);
  }

  /** What is wrong with the mirror: rows, paths, object bytes, and objects no row names. */
  mirrorMismatches(library = this.library()): string[] {
    const problems: string[] = [];
    const named = new Set<string>();
    const rows = new Map([...this.documents.rows.values()].map((r) => [r.itemId, r]));
    for (const [id, file] of library.expectedFiles()) {
      const row = rows.get(id);
      if (!row) {
        problems.push(`missing row ${id} (${file.path})`);
        continue;
      }
      if (row.path !== file.path) problems.push(`wrong path for ${id}: ${row.path} instead of ${file.path}`);
      named.add(row.s3Key!);
      const bytes = this.content.objects.get(row.s3Key!);
      if (!bytes) problems.push(`missing object ${row.s3Key} (${file.path})`);
      else if (sha256(bytes) !== file.sha256) problems.push(`stale bytes in ${row.s3Key} (${file.path})`);
    }
    for (const key of this.content.objects.keys()) if (!named.has(key)) problems.push(`stale object ${key}`);
    for (const row of rows.values())
      if (row.kind === "file" && !library.expectedFiles().has(row.itemId))
        problems.push(`stale row ${row.itemId} (${row.path})`);
    return problems;
  }

  close(): Promise<void> {
    return this.graph.close();
  }
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
