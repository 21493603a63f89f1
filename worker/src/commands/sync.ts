// `sync --site <id>`: one delta round under the site's lease, resuming whatever is in progress.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { WorkerConfig } from "../config/load";
import { systemClock } from "../runtime/clock";
import { WORKER_EXIT as EXIT } from "../contract";
import { LeaseKeeper } from "../runtime/lease-keeper";
import { Progress } from "../runtime/progress";
import { createMissingResources, createServices, type Services } from "../runtime/services";
import { installShutdown } from "../runtime/shutdown";
import { Watchdog } from "../runtime/watchdog";
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
  const watchdog = new Watchdog(systemClock, config.stallTimeoutMs);
  shutdown.follow(watchdog.stalled);
  let keeper: LeaseKeeper | undefined;
  let progress: Progress | undefined;
  // Until the run says otherwise, it failed (a crash before the round still emits Runs and RunsFailed).
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
    keeper.assertHeld();
    await services.checkpoints.claim(config.siteId, keeper.fence);
    await services.state.claim(config.siteId, keeper.fence);
    progress = new Progress(logger, undefined);
    const before = await services.checkpoints.read(config.siteId);
    const result = await runRound({
      siteId: config.siteId,
      lease: keeper,
      graph: services.graph,
      documents: services.documents,
      checkpoints: services.checkpoints,
      state: services.state,
      content: services.content,
      quarantine: services.quarantine,
      concurrency: config.concurrency,
      stop: shutdown.stop,
      abort: shutdown.abort,
      logger,
      progress,
      onProgress: () => watchdog.touch(),
      deadline:
        config.maxDurationSeconds === undefined ? undefined : AbortSignal.timeout(config.maxDurationSeconds * 1000),
      downloads,
    });
    if (keeper.lost.aborted) throw keeper.lost.reason;
    if (watchdog.stalled.aborted) throw watchdog.stalled.reason;
    const signal = shutdown.received();
    const exitCode =
      result.status === "completed"
        ? result.quarantined > 0
          ? EXIT.completedWithQuarantine
          : EXIT.ok
        : result.status === "deadline"
          ? EXIT.moreWork
          : signal
            ? (EXIT.interrupted[signal as "SIGINT" | "SIGTERM"] ?? EXIT.failed)
            : EXIT.failed;
    const deadLettered = await downloads?.deadLettered();
    logSummary(logger, result, services, started, progress, deadLettered);
    metrics = await runMetrics(config.siteId, exitCode, result, before, services);
    return { exitCode, result };
  } catch (err) {
    // Only a run that failed counts in RunsFailed: a lost or held lease and a shutdown are not failures.
    if (keeper?.lost.aborted || err instanceof LeaseLostError || err instanceof LeaseHeldError)
      metrics = { ...metrics, failed: false };
    else if (shutdown.received() && shutdown.abort.aborted && !watchdog.stalled.aborted)
      metrics = { ...metrics, failed: false };
    if (keeper?.lost.aborted || err instanceof LeaseLostError) {
      logger.error(
        { err: keeper?.lost.reason ?? err },
        `lease lost: ${(keeper?.lost.reason as Error | undefined)?.message ?? (err as Error).message} No write was made after that; uploads in flight were aborted, and anything they left is removed by the next holder.`,
      );
      return { exitCode: EXIT.leaseHeld };
    }
    if (err instanceof LeaseHeldError) {
      logger.warn({ holder: err.holder, expiresAt: new Date(err.expiresAt).toISOString() }, err.message);
      return { exitCode: EXIT.leaseHeld };
    }
    if (watchdog.stalled.aborted) {
      logger.error({ err: watchdog.stalled.reason }, (watchdog.stalled.reason as Error).message);
      return { exitCode: EXIT.failed };
    }
    const signal = shutdown.received();
    if (signal && shutdown.abort.aborted) {
      logger.warn({ err }, "in-flight work abandoned on shutdown; the checkpoint holds the last durable page");
      return { exitCode: EXIT.interrupted[signal as "SIGINT" | "SIGTERM"] ?? EXIT.failed };
    }
    logger.error(
      { err, hint: hintFor(err, config) },
      "sync failed; the checkpoint holds the last durable page and the next run resumes there",
    );
    return { exitCode: EXIT.failed };
  } finally {
    watchdog.dispose();
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
 * 410 restarted the round in this run), how many items of the site are in quarantine (the round's own and the
 * fan-out's dead-lettered downloads: both are entries of one quarantine), and how long ago the site last completed
 * a round.
 */
async function runMetrics(
  siteId: string,
  exitCode: number,
  result: RoundResult,
  before: { items: number; bytes: number; pages: number } | undefined,
  services: Services,
): Promise<RunMetrics> {
  const base = result.resyncs > 0 || !result.resumed ? undefined : before;
  const completed = result.status === "completed";
  const state = completed ? undefined : await services.state.read(siteId);
  const lastCompleted = completed ? Date.now() : state?.completedAt ? Date.parse(state.completedAt) : undefined;
  return {
    siteId,
    failed: exitCode === EXIT.failed,
    roundCompleted: completed,
    items: result.counters.items - (base?.items ?? 0),
    bytes: result.counters.bytes - (base?.bytes ?? 0),
    pages: result.counters.pages - (base?.pages ?? 0),
    throttled: services.graph.http.counts.throttled,
    quarantined: result.quarantined,
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
  services: Services,
  started: number,
  progress: Progress,
  deadLettered: number | undefined,
): void {
  const http = services.graph.http;
  logger.info(
    {
      summary: {
        status: result.status === "completed" && result.quarantined > 0 ? "completedWithQuarantine" : result.status,
        mode: result.mode,
        roundId: result.roundId,
        resumed: result.resumed,
        resyncs: result.resyncs,
        ...result.counters,
        inQuarantine: result.quarantined,
        ...(deadLettered === undefined ? {} : { deadLettered }),
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
