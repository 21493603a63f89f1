// Fan-out for huge libraries: the delta round hands file downloads to an SQS queue that N consumer
// tasks work through (`worker consume`), and completes the round only once the queue has drained.
// A task carries the producer's lease fence and the listed quickXorHash, so a consumer commits under
// the same rules as the round (worker/src/fanout/consume-task.ts). A task that keeps failing ends in
// the dead-letter queue (RedrivePolicy); its consumer records it in the site's quarantine first.
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { DownloadQueuePort } from "../sync/ports";

/** One file to download for a round. */
export const downloadTaskSchema = z.strictObject({
  siteId: z.string().min(1),
  roundId: z.string().min(1),
  itemId: z.string().min(1),
  eTag: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  /** The path the delta listing gave the file (the round recomputes paths before it completes if needed). */
  path: z.string().optional(),
  /** The producer's lease fence: the consumer commits with it, so a newer holder's row refuses a stale task. */
  fence: z.number().int().positive(),
  /** The listed content hash: a consumer skips a task whose content the row already holds. */
  quickXorHash: z.string().optional(),
  /** The item is in quarantine: the consumer that downloads it releases it. */
  quarantined: z.boolean().optional(),
});
export type DownloadTask = z.infer<typeof downloadTaskSchema>;

export interface ReceivedTask {
  readonly task: DownloadTask;
  readonly receiptHandle: string;
  readonly receiveCount: number;
}

/** SQS's batch limit. */
const BATCH = 10;

export class DownloadQueue implements DownloadQueuePort {
  private pending: DownloadTask[] = [];

  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
    readonly deadLetterQueueUrl?: string,
  ) {}

  static create(opts: {
    region: string;
    endpoint?: string;
    queueUrl: string;
    deadLetterQueueUrl?: string;
  }): DownloadQueue {
    return new DownloadQueue(
      new SQSClient({ region: opts.region, endpoint: opts.endpoint }),
      opts.queueUrl,
      opts.deadLetterQueueUrl,
    );
  }

  /** Buffers a task; `flush` sends the buffer (before the page's checkpoint, so a crash re-sends, never loses). */
  add(task: DownloadTask): void {
    this.pending.push(task);
  }

  async flush(): Promise<number> {
    const tasks = this.pending;
    this.pending = [];
    for (let i = 0; i < tasks.length; i += BATCH) {
      let batch = tasks.slice(i, i + BATCH).map((task, n) => ({ Id: String(n), MessageBody: JSON.stringify(task) }));
      for (let attempt = 1; batch.length > 0; attempt++) {
        const out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        if (failed.size > 0 && attempt >= 5)
          throw new Error(`SQS refused ${failed.size} download tasks five times: ${JSON.stringify(out.Failed)}`);
        batch = batch.filter((e) => failed.has(e.Id));
      }
    }
    return tasks.length;
  }

  /** Long-polls for up to `max` tasks; `signal` ends the poll early (a stopping consumer need not wait it out). */
  async receive(opts: {
    max: number;
    waitSeconds: number;
    visibilitySeconds: number;
    signal?: AbortSignal;
  }): Promise<ReceivedTask[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: opts.max,
        WaitTimeSeconds: opts.waitSeconds,
        VisibilityTimeout: opts.visibilitySeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
      { abortSignal: opts.signal },
    );
    return (out.Messages ?? []).map((m) => ({
      task: downloadTaskSchema.parse(JSON.parse(m.Body ?? "")),
      receiptHandle: m.ReceiptHandle!,
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
    }));
  }

  async done(received: ReceivedTask): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: received.receiptHandle }));
  }

  /** Tasks waiting plus tasks in flight (SQS's approximate counts). */
  async depth(url = this.queueUrl): Promise<number> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /** Tasks in the dead-letter queue (their items are in the site's quarantine; the raw tasks stay for inspection). */
  deadLettered(): Promise<number | undefined> {
    return this.deadLetterQueueUrl === undefined ? Promise.resolve(undefined) : this.depth(this.deadLetterQueueUrl);
  }

  /** Deliveries before SQS moves a task to the dead-letter queue (the queue's RedrivePolicy); undefined without one. */
  async maxReceiveCount(): Promise<number | undefined> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    const policy = out.Attributes?.RedrivePolicy;
    return policy === undefined
      ? undefined
      : Number((JSON.parse(policy) as { maxReceiveCount: string | number }).maxReceiveCount);
  }

  /**
   * Resolves once the queue is empty `confirmations` times in a row (the counts are approximate: SQS documents
   * them as eventually consistent); rejects when `stop` fires first.
   */
  async drained(stop: AbortSignal, opts: { pollMs?: number; confirmations?: number } = {}): Promise<void> {
    let zeros = 0;
    while (zeros < (opts.confirmations ?? 3)) {
      stop.throwIfAborted();
      zeros = (await this.depth()) === 0 ? zeros + 1 : 0;
      if (zeros < (opts.confirmations ?? 3)) await sleep(opts.pollMs ?? 1000, undefined, { signal: stop });
    }
  }

  close(): void {
    this.sqs.destroy();
  }
}
