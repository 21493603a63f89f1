// `consume`: a fan-out consumer. Takes download tasks from the queue (DOWNLOAD_QUEUE_URL), downloads
// each file into S3 and records it, then deletes the task. Idempotent by item id and eTag: a task
// whose file is already recorded with that eTag for that round is just deleted. A task that fails
// is left in the queue: SQS delivers it again after the visibility timeout, and after the queue's
// maxReceiveCount moves it to the dead-letter queue (the fan-out's quarantine). Run as an ECS
// service scaled on queue depth; SIGTERM stops taking tasks and lets the ones in flight finish.
import type { Logger } from "pino";
import type { WorkerConfig } from "../config/load";
import { DownloadQueue, type ReceivedTask } from "../fanout/download-queue";
import { createMissingResources, createServices, type Services } from "../runtime/services";
import { installShutdown } from "../runtime/shutdown";
import { transferFile } from "../sync/apply-item";
import { FolderMap } from "../sync/folder-map";
import { EXIT } from "../runtime/exit-codes";

export interface ConsumeOptions {
  /** Stop after the queue answered empty for this many seconds (tests, benches, one-off drains). Default: run until stopped. */
  readonly idleExitSeconds?: number;
  /** Seconds a received task stays invisible to other consumers. Default 300. */
  readonly visibilitySeconds?: number;
}

export interface ConsumeRun {
  readonly exitCode: number;
  readonly downloaded: number;
  readonly skipped: number;
  readonly failed: number;
}

export async function consumeCommand(
  config: WorkerConfig,
  logger: Logger,
  opts: ConsumeOptions = {},
): Promise<ConsumeRun> {
  if (config.downloadQueue === undefined) {
    process.stderr.write("consume needs DOWNLOAD_QUEUE_URL (the fan-out download queue)\n");
    return { exitCode: EXIT.config, downloaded: 0, skipped: 0, failed: 0 };
  }
  const services = createServices(config, logger);
  const queue = DownloadQueue.create({
    region: config.region,
    endpoint: config.endpoints.sqs,
    queueUrl: config.downloadQueue.url,
  });
  const shutdown = installShutdown(logger);
  const counts = { downloaded: 0, skipped: 0, failed: 0 };
  const waitSeconds = opts.idleExitSeconds === undefined ? 20 : Math.min(20, Math.max(1, opts.idleExitSeconds));
  let idleSince = Date.now();
  try {
    if (config.createMissing) await createMissingResources(config, services, logger);
    logger.info({ queue: config.downloadQueue.url, concurrency: config.concurrency }, "consumer started");
    while (!shutdown.stop.aborted) {
      const batch = await queue.receive({
        max: Math.min(10, config.concurrency),
        waitSeconds,
        visibilitySeconds: opts.visibilitySeconds ?? 300,
      });
      if (batch.length === 0) {
        if (opts.idleExitSeconds !== undefined && Date.now() - idleSince >= opts.idleExitSeconds * 1000) break;
        continue;
      }
      idleSince = Date.now();
      await Promise.all(batch.map((received) => consumeOne(received, services, queue, logger, shutdown.abort, counts)));
    }
    logger.info({ consumed: counts }, "consumer stopped");
    return { exitCode: EXIT.ok, ...counts };
  } finally {
    shutdown.dispose();
    queue.close();
    services.close();
  }
}

async function consumeOne(
  received: ReceivedTask,
  services: Services,
  queue: DownloadQueue,
  logger: Logger,
  abort: AbortSignal,
  counts: { downloaded: number; skipped: number; failed: number },
): Promise<void> {
  const { task } = received;
  try {
    const existing = (await services.documents.getMany(task.siteId, [task.itemId])).get(task.itemId);
    const alreadyDone =
      existing?.kind === "file" &&
      existing.s3Key !== undefined &&
      existing.eTag === task.eTag &&
      existing.roundId === task.roundId;
    if (!alreadyDone) {
      await transferFile(
        {
          siteId: task.siteId,
          roundId: task.roundId,
          graph: services.graph,
          content: services.content,
          documents: services.documents,
          abort,
          mode: "incremental",
          folders: new FolderMap(),
          pathsDirty: false,
        },
        task.itemId,
        task.size,
        existing,
        () => task.path ?? existing?.path,
      );
      counts.downloaded++;
    } else counts.skipped++;
    await queue.done(received);
  } catch (err) {
    counts.failed++;
    // Left in the queue: delivered again after the visibility timeout, dead-lettered after maxReceiveCount.
    logger.warn({ err, task, receiveCount: received.receiveCount }, "download task failed; SQS will deliver it again");
  }
}
