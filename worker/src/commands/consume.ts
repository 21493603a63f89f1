// `consume`: a fan-out consumer. Takes download tasks from the queue (DOWNLOAD_QUEUE_URL), does each
// with fanout/consume-task.ts (the round's own transfer and fenced commit), then deletes the task. A
// task that fails is left in the queue: SQS delivers it again after the visibility timeout, and after
// the queue's maxReceiveCount moves it to the dead-letter queue; its last delivery puts the item into
// the site's quarantine first. Run as an ECS service scaled on queue depth; SIGTERM stops taking
// tasks and lets the ones in flight finish.
import type { Logger } from "pino";
import type { WorkerConfig } from "../config/load";
import { consumeTask, type TaskOutcome } from "../fanout/consume-task";
import { DownloadQueue, type ReceivedTask } from "../fanout/download-queue";
import { systemClock } from "../runtime/clock";
import { WORKER_EXIT as EXIT } from "../contract";
import { createMissingResources, createServices, type Services } from "../runtime/services";
import { installShutdown } from "../runtime/shutdown";

export interface ConsumeOptions {
  /** Stop after the queue answered empty for this many seconds (tests, benches, one-off drains). Default: run until stopped. */
  readonly idleExitSeconds?: number;
  /** Seconds a received task stays invisible to other consumers. Default 300. */
  readonly visibilitySeconds?: number;
}

export interface ConsumeRun {
  readonly exitCode: number;
  readonly counts: Record<TaskOutcome | "failed", number>;
}

export async function consumeCommand(
  config: WorkerConfig,
  logger: Logger,
  opts: ConsumeOptions = {},
): Promise<ConsumeRun> {
  const counts: ConsumeRun["counts"] = { downloaded: 0, skipped: 0, vanished: 0, stale: 0, failed: 0 };
  if (config.downloadQueue === undefined) {
    process.stderr.write("consume needs DOWNLOAD_QUEUE_URL (the fan-out download queue)\n");
    return { exitCode: EXIT.config, counts };
  }
  const services = createServices(config, logger);
  const queue = DownloadQueue.create({
    region: config.region,
    endpoint: config.endpoints.sqs,
    queueUrl: config.downloadQueue.url,
  });
  const shutdown = installShutdown(logger);
  const waitSeconds = opts.idleExitSeconds === undefined ? 20 : Math.min(20, Math.max(1, opts.idleExitSeconds));
  let idleSince = Date.now();
  try {
    if (config.createMissing) await createMissingResources(config, services, logger);
    const maxReceiveCount = await queue.maxReceiveCount();
    logger.info(
      { queue: config.downloadQueue.url, concurrency: config.concurrency, maxReceiveCount },
      "consumer started",
    );
    while (!shutdown.stop.aborted) {
      let batch: ReceivedTask[];
      try {
        batch = await queue.receive({
          max: Math.min(10, config.concurrency),
          waitSeconds,
          visibilitySeconds: opts.visibilitySeconds ?? 300,
          signal: shutdown.stop,
        });
      } catch (err) {
        // A stop signal ends the long poll: nothing was received, so nothing is left half done.
        if (shutdown.stop.aborted) break;
        throw err;
      }
      if (batch.length === 0) {
        if (opts.idleExitSeconds !== undefined && Date.now() - idleSince >= opts.idleExitSeconds * 1000) break;
        continue;
      }
      idleSince = Date.now();
      await Promise.all(
        batch.map((received) => consumeOne(received, maxReceiveCount, services, queue, logger, shutdown.abort, counts)),
      );
    }
    logger.info({ consumed: counts }, "consumer stopped");
    // Stopped by a signal (ECS scale-in, a deployment): 128 + its number, as the sync command exits. Tasks it was
    // working on when the grace ran out are left to their visibility timeout and delivered again.
    const signal = shutdown.received();
    return { exitCode: signal ? (EXIT.interrupted[signal as "SIGINT" | "SIGTERM"] ?? EXIT.failed) : EXIT.ok, counts };
  } catch (err) {
    if (!isAccessDenied(err) && !(err instanceof QueueAccessDenied)) throw err;
    const refused = err instanceof QueueAccessDenied ? err : new QueueAccessDenied(err);
    logger.error({ err: refused.cause, consumed: counts }, refused.message);
    return { exitCode: EXIT.failed, counts };
  } finally {
    shutdown.dispose();
    queue.close();
    services.close();
  }
}

async function consumeOne(
  received: ReceivedTask,
  maxReceiveCount: number | undefined,
  services: Services,
  queue: DownloadQueue,
  logger: Logger,
  abort: AbortSignal,
  counts: ConsumeRun["counts"],
): Promise<void> {
  const { task } = received;
  try {
    const outcome = await consumeTask(
      {
        graph: services.graph,
        documents: services.documents,
        content: services.content,
        quarantine: services.quarantine,
        logger,
        clock: systemClock,
        abort,
        counters: { hashMismatches: 0 },
      },
      task,
      {
        receiveCount: received.receiveCount,
        last: maxReceiveCount !== undefined && received.receiveCount >= maxReceiveCount,
      },
    );
    counts[outcome]++;
  } catch (err) {
    counts.failed++;
    // Left in the queue: delivered again after the visibility timeout, dead-lettered after maxReceiveCount.
    logger.warn(
      { err, task, receiveCount: received.receiveCount },
      `download task for item ${task.itemId} (${task.path ?? "path unknown"}) failed; SQS will deliver it again`,
    );
    return;
  }
  try {
    await queue.done(received);
  } catch (err) {
    // The item is committed; only the task outlives it. Delivered again, it is skipped (same id and eTag), but a
    // consumer that may never delete a task would send every one to the dead-letter queue: that must not be quiet.
    if (isAccessDenied(err)) throw new QueueAccessDenied(err);
    logger.warn(
      { err, task },
      `download task for item ${task.itemId} is done, but deleting it from the queue failed; SQS will deliver it again and it will be skipped`,
    );
  }
}

/** SQS refused a call for want of permission: no retry can help, so the consumer stops and says what to grant. */
export class QueueAccessDenied extends Error {
  constructor(readonly cause: unknown) {
    super(
      `SQS refused the consumer (${(cause as Error).message}): allow the task role sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the download queue (components/sync-fanout.ts generates that policy)`,
    );
  }
}

function isAccessDenied(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === "AccessDenied" || name === "AccessDeniedException";
}
