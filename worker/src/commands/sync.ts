// `sync --site <id>`: one delta round under the site's lease, resuming whatever is in progress.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { WorkerConfig } from "../config/load";
import { EXIT } from "../runtime/exit-codes";
import { LeaseKeeper } from "../runtime/lease-keeper";
import { Progress } from "../runtime/progress";
import { createMissingResources, createServices } from "../runtime/services";
import { installShutdown } from "../runtime/shutdown";
import { LeaseHeldError, LeaseLostError } from "../stores/errors";
import { runRound, type RoundResult } from "../sync/run-round";
import { DownloadQueue } from "../fanout/download-queue";
import { emitRunMetrics, type RunMetrics } from "../runtime/run-metrics";

export interface SyncRun {
  readonly exitCode: number;
  readonly result?: RoundResult;
}

export function leaseOwner(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

export async function syncCommand(config: WorkerConfig, logger: Logger): Promise<SyncRun> {
  const started = Date.now();
  const services = createServices(config, logger);
  const shutdown = installShutdown(logger);
  let keeper: LeaseKeeper | undefined;
  let progress: Progress | undefined;
  let metrics: RunMetrics = { siteId: config.siteId, failed: true, roundCompleted: false };
  const downloads =
    config.downloadQueue === undefined
      ? undefined
      : DownloadQueue.create({
          region: config.region,
          endpoint: config.endpoints.sqs,
          queueUrl: config.downloadQueue.url,
          deadLetterQueueUrl: config.downloadQueue.deadLetterUrl,
        });
  try {
    if (config.createMissing) await createMissingResources(config, services, logger);
    keeper = await LeaseKeeper.acquire(services.lease, config.siteId, leaseOwner(), config.leaseTtlMs, logger);
    shutdown.follow(keeper.lost);
    // Raise the fence on the checkpoint and state items: from now on a stale worker cannot write them.
    await services.checkpoints.claim(config.siteId, keeper.fence);
    await services.state.claim(config.siteId, keeper.fence);
    progress = new Progress(logger, undefined);
    const before = await services.checkpoints.read(config.siteId);
    const result = await runRound({
      siteId: config.siteId,
      fence: keeper.fence,
      graph: services.graph,
      documents: services.documents,
      checkpoints: services.checkpoints,
      state: services.state,
      content: services.content,
      concurrency: config.concurrency,
      stop: shutdown.stop,
      abort: shutdown.abort,
      deadline:
        config.maxDurationSeconds === undefined ? undefined : AbortSignal.timeout(config.maxDurationSeconds * 1000),
      logger,
      progress,
      downloads,
    });
    if (keeper.lost.aborted) throw keeper.lost.reason;
    const signal = shutdown.received();
    const exitCode =
      result.status === "completed"
        ? EXIT.ok
        : result.status === "deadline"
          ? EXIT.moreWork
          : signal
            ? (EXIT.interrupted[signal as "SIGINT" | "SIGTERM"] ?? EXIT.failed)
            : EXIT.failed;
    logSummary(logger, result, services, started, progress);
    metrics = await runMetrics(config.siteId, exitCode, result, before, services);
    // Fan-out: the dead-letter queue is the quarantine of downloads that kept failing.
    if (downloads?.deadLetterQueueUrl !== undefined)
      metrics = { ...metrics, quarantined: await downloads.quarantined() };
    return { exitCode, result };
  } catch (err) {
    if (keeper?.lost.aborted || err instanceof LeaseLostError) {
      metrics = { ...metrics, failed: false };
      logger.error({ err: keeper?.lost.reason ?? err }, "lease lost: stopped without further writes");
      return { exitCode: EXIT.leaseHeld };
    }
    if (err instanceof LeaseHeldError) {
      logger.warn({ holder: err.holder, expiresAt: new Date(err.expiresAt).toISOString() }, err.message);
      // Another worker is syncing the site: this run neither failed nor did anything.
      metrics = { ...metrics, failed: false };
      return { exitCode: EXIT.leaseHeld };
    }
    const signal = shutdown.received();
    if (signal && shutdown.abort.aborted) {
      metrics = { ...metrics, failed: false };
      logger.warn({ err }, "in-flight work abandoned on shutdown; the checkpoint holds the last durable page");
      return { exitCode: EXIT.interrupted[signal as "SIGINT" | "SIGTERM"] ?? EXIT.failed };
    }
    logger.error(
      { err, hint: hintFor(err, config) },
      "sync failed; the checkpoint holds the last durable page and the next run resumes there",
    );
    return { exitCode: EXIT.failed };
  } finally {
    progress?.stop();
    await emitRunMetrics(logger, metrics).catch((err: unknown) =>
      logger.warn({ err }, "could not write the run's metrics"),
    );
    await keeper?.release().catch((err) => logger.warn({ err }, "could not release the lease; it expires by itself"));
    shutdown.dispose();
    downloads?.close();
    services.close();
  }
}

/**
 * The run's metrics: what THIS run did (a resumed round's checkpoint already counts earlier runs' items, unless a
 * 410 restarted the round in this run), and how long ago the site last completed a round.
 */
async function runMetrics(
  siteId: string,
  exitCode: number,
  result: RoundResult,
  before: { items: number; bytes: number; pages: number } | undefined,
  services: ReturnType<typeof createServices>,
): Promise<RunMetrics> {
  const base = result.resyncs > 0 || !result.resumed ? undefined : before;
  const completed = result.status === "completed";
  const state = completed ? undefined : await services.state.read(siteId);
  const lastCompleted = completed ? Date.now() : state?.completedAt ? Date.parse(state.completedAt) : undefined;
  const quarantined = (result.counters as { quarantined?: number }).quarantined;
  return {
    siteId,
    failed: exitCode === EXIT.failed,
    roundCompleted: completed,
    items: result.counters.items - (base?.items ?? 0),
    bytes: result.counters.bytes - (base?.bytes ?? 0),
    pages: result.counters.pages - (base?.pages ?? 0),
    throttled: services.graph.http.counts.throttled,
    quarantined,
    roundDurationSeconds: completed ? Math.round((Date.now() - Date.parse(result.startedAt)) / 1000) : undefined,
    secondsSinceLastCompletedRound:
      lastCompleted === undefined ? undefined : Math.max(0, Math.round((Date.now() - lastCompleted) / 1000)),
  };
}

/** What to do about failures an operator can fix. */
function hintFor(err: unknown, config: WorkerConfig): string | undefined {
  switch ((err as { name?: string } | undefined)?.name) {
    case "ResourceNotFoundException":
      return `a DynamoDB table is missing (${Object.values(config.tables).join(", ")}): deploy the stack, or use --create-missing against local endpoints`;
    case "NoSuchBucket":
      return `bucket ${config.bucket} does not exist: deploy the stack, or use --create-missing against local endpoints`;
    default:
      return undefined;
  }
}

function logSummary(
  logger: Logger,
  result: RoundResult,
  services: ReturnType<typeof createServices>,
  started: number,
  progress: Progress,
): void {
  const http = services.graph.http;
  logger.info(
    {
      summary: {
        status: result.status,
        mode: result.mode,
        roundId: result.roundId,
        resumed: result.resumed,
        resyncs: result.resyncs,
        ...result.counters,
        finish: result.finish,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        rate: progress.snapshot(),
        graph: { ...http.counts, pauses: http.gate.pauses, pausedMs: http.gate.pausedMs },
        dynamoWrites: { ...services.writes },
        // Peak resident memory of this process (bench/worker-memory.ts reads it).
        maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
    },
    "sync summary",
  );
}
