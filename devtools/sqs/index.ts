// An Amazon SQS stand-in on loopback speaking the AWS JSON 1.0 protocol that @aws-sdk/client-sqs
// uses (POST /, `X-Amz-Target: AmazonSQS.<Action>`). Why not a registry package: sqslite 2.1.1
// (Apache-2.0, the candidate) answers only the older query protocol (form bodies, XML), which the
// current SDK no longer sends, and does not move messages to a dead-letter queue; see
// docs/operations.md, "Fan-out".
//
// What it enforces, as SQS documents it (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/):
//   - standard queues; a received message is invisible for the visibility timeout (queue default, or
//     the request's), then delivered again with a new receipt handle and ApproximateReceiveCount + 1;
//   - DeleteMessage with a stale receipt handle succeeds but deletes nothing (only the latest handle
//     of a message deletes it); an unknown or malformed handle is ReceiptHandleIsInvalid;
//   - RedrivePolicy: a message received more than maxReceiveCount times moves to the dead-letter
//     queue instead of being delivered;
//   - batches: 1-10 entries, unique Ids, at most 262,144 bytes in all; MaxNumberOfMessages 1-10;
//     WaitTimeSeconds 0-20 (long polling returns as soon as a message is there);
//   - MD5OfMessageBody / MD5OfBody, which the SDK checks.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { assertLoopback, close, listen, readBody } from "../entra/http";

/** The account the queues belong to unless the caller names one (e.g. the stack's). */
const DEFAULT_ACCOUNT = "111122223333";
const MAX_BATCH_BYTES = 262_144;

interface Message {
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
  readonly sentAt: number;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
  readonly messages: Message[];
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly queryCode: string,
  ) {
    super(message);
  }
}

export interface SqsStats {
  /** Requests by action. */
  actions: Record<string, number>;
  /** Messages moved to a dead-letter queue. */
  redriven: number;
  /** DeleteMessage calls that named a stale receipt handle (and so deleted nothing). */
  staleDeletes: number;
}

export class SqsEmulator {
  readonly stats: SqsStats = { actions: {}, redriven: 0, staleDeletes: 0 };
  private readonly queues = new Map<string, Queue>();
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    readonly region: string,
    readonly accountId: string,
  ) {}

  static async start(opts: { host?: string; region?: string; accountId?: string } = {}): Promise<SqsEmulator> {
    const host = opts.host ?? "127.0.0.1";
    assertLoopback(host, "The SQS emulator");
    let sqs: SqsEmulator | undefined;
    const server = createServer((req, res) => void sqs!.handle(req, res));
    const port = await listen(server, host, 0);
    sqs = new SqsEmulator(
      server,
      `http://${host}:${port}`,
      opts.region ?? "ap-southeast-2",
      opts.accountId ?? DEFAULT_ACCOUNT,
    );
    return sqs;
  }

  /** Messages in a queue by state, for tests. */
  depth(queueName: string): { visible: number; inFlight: number } {
    const q = this.byName(queueName);
    const now = Date.now();
    return {
      visible: q.messages.filter((m) => m.visibleAt <= now).length,
      inFlight: q.messages.filter((m) => m.visibleAt > now).length,
    };
  }

  /** Bodies of the messages in a queue (e.g. a dead-letter queue), for tests. */
  bodies(queueName: string): string[] {
    return this.byName(queueName).messages.map((m) => m.body);
  }

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    await close(this.server);
  }

  private byName(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no queue ${name}`);
    return q;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const action = /^AmazonSQS\.(\w+)$/.exec(String(req.headers["x-amz-target"] ?? ""))?.[1];
    try {
      if (req.method !== "POST" || action === undefined)
        throw new SqsError(
          "InvalidAction",
          "The emulator speaks the AWS JSON 1.0 protocol: POST with X-Amz-Target",
          "InvalidAction",
        );
      this.stats.actions[action] = (this.stats.actions[action] ?? 0) + 1;
      const input = JSON.parse((await readBody(req)) || "{}") as Record<string, unknown>;
      const output = await this.dispatch(action, input);
      const body = JSON.stringify(output);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": randomUUID() });
      res.end(body);
    } catch (err) {
      const e =
        err instanceof SqsError
          ? err
          : new SqsError("InternalError", `Emulator fault: ${String(err)}`, "InternalError");
      res.writeHead(e.type === "InternalError" ? 500 : 400, {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-query-error": `${e.queryCode};Sender`,
        "x-amzn-requestid": randomUUID(),
      });
      res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${e.type}`, message: e.message }));
    }
  }

  private dispatch(action: string, input: Record<string, unknown>): Promise<unknown> | unknown {
    switch (action) {
      case "CreateQueue":
        return this.createQueue(input);
      case "GetQueueUrl":
        return { QueueUrl: this.named(String(input.QueueName)).url };
      case "GetQueueAttributes":
        return this.attributes(this.queue(input));
      case "SendMessage":
        return this.send(this.queue(input), [{ Id: "0", MessageBody: input.MessageBody }])[0];
      case "SendMessageBatch":
        return this.sendBatch(this.queue(input), input.Entries);
      case "ReceiveMessage":
        return this.receive(this.queue(input), input);
      case "DeleteMessage":
        this.delete(this.queue(input), String(input.ReceiptHandle));
        return {};
      case "DeleteMessageBatch":
        return this.deleteBatch(this.queue(input), input.Entries);
      case "ChangeMessageVisibility":
        this.changeVisibility(this.queue(input), String(input.ReceiptHandle), Number(input.VisibilityTimeout));
        return {};
      case "PurgeQueue":
        this.queue(input).messages.length = 0;
        return {};
      default:
        throw new SqsError("InvalidAction", `The action ${action} is not valid for this endpoint.`, "InvalidAction");
    }
  }

  private createQueue(input: Record<string, unknown>): unknown {
    const name = String(input.QueueName ?? "");
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new SqsError(
        "InvalidParameterValue",
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        "InvalidParameterValue",
      );
    const attributes = (input.Attributes ?? {}) as Record<string, string>;
    const existing = this.queues.get(name);
    if (existing) return { QueueUrl: existing.url };
    const queue: Queue = {
      name,
      url: `${this.endpoint}/${this.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout ?? 30),
      messages: [],
    };
    if (attributes.RedrivePolicy) {
      const policy = JSON.parse(attributes.RedrivePolicy) as {
        deadLetterTargetArn: string;
        maxReceiveCount: string | number;
      };
      if (![...this.queues.values()].some((q) => q.arn === policy.deadLetterTargetArn))
        throw new SqsError(
          "InvalidParameterValue",
          `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
          "InvalidParameterValue",
        );
      queue.redrive = {
        deadLetterTargetArn: policy.deadLetterTargetArn,
        maxReceiveCount: Number(policy.maxReceiveCount),
      };
    }
    this.queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  private named(name: string): Queue {
    const q = this.queues.get(name);
    if (!q)
      throw new SqsError(
        "QueueDoesNotExist",
        "The specified queue does not exist.",
        "AWS.SimpleQueueService.NonExistentQueue",
      );
    return q;
  }

  private queue(input: Record<string, unknown>): Queue {
    return this.named(
      String(input.QueueUrl ?? "")
        .split("/")
        .at(-1) ?? "",
    );
  }

  private attributes(q: Queue): unknown {
    const { visible, inFlight } = this.depth(q.name);
    return {
      Attributes: {
        QueueArn: q.arn,
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(inFlight),
        VisibilityTimeout: String(q.visibilityTimeoutSeconds),
        ...(q.redrive ? { RedrivePolicy: JSON.stringify(q.redrive) } : {}),
      },
    };
  }

  private sendBatch(q: Queue, entries: unknown): unknown {
    if (!Array.isArray(entries) || entries.length === 0)
      throw new SqsError(
        "EmptyBatchRequest",
        "There should be at least one SendMessageBatchRequestEntry in the request.",
        "AWS.SimpleQueueService.EmptyBatchRequest",
      );
    if (entries.length > 10)
      throw new SqsError(
        "TooManyEntriesInBatchRequest",
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      );
    const ids = entries.map((e: { Id?: string }) => String(e.Id));
    if (new Set(ids).size !== ids.length)
      throw new SqsError(
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
      );
    const total = entries.reduce(
      (n: number, e: { MessageBody?: string }) => n + Buffer.byteLength(String(e.MessageBody ?? "")),
      0,
    );
    if (total > MAX_BATCH_BYTES)
      throw new SqsError(
        "BatchRequestTooLong",
        `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
        "AWS.SimpleQueueService.BatchRequestTooLong",
      );
    return { Successful: this.send(q, entries as Array<{ Id: string; MessageBody: unknown }>), Failed: [] };
  }

  private send(q: Queue, entries: Array<{ Id: string; MessageBody: unknown }>): unknown[] {
    const sent = entries.map((e) => {
      const body = String(e.MessageBody ?? "");
      if (body.length === 0)
        throw new SqsError(
          "MissingParameter",
          "The request must contain the parameter MessageBody.",
          "MissingParameter",
        );
      const message: Message = {
        id: randomUUID(),
        body,
        md5: md5(body),
        receiveCount: 0,
        visibleAt: 0,
        sentAt: Date.now(),
      };
      q.messages.push(message);
      return { Id: e.Id, MessageId: message.id, MD5OfMessageBody: message.md5 };
    });
    for (const wake of [...this.waiters]) wake();
    return sent;
  }

  private async receive(q: Queue, input: Record<string, unknown>): Promise<unknown> {
    const max = Number(input.MaxNumberOfMessages ?? 1);
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw new SqsError(
        "InvalidParameterValue",
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
        "InvalidParameterValue",
      );
    const wait = Number(input.WaitTimeSeconds ?? 0);
    if (!Number.isInteger(wait) || wait < 0 || wait > 20)
      throw new SqsError(
        "InvalidParameterValue",
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
        "InvalidParameterValue",
      );
    const visibility = Number(input.VisibilityTimeout ?? q.visibilityTimeoutSeconds);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const taken = this.take(q, max, visibility);
      if (taken.length > 0 || Date.now() >= deadline) return { Messages: taken };
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        // Also wake when an in-flight message becomes visible again.
        const timer = setTimeout(wake, Math.min(deadline - Date.now(), 100));
        this.waiters.add(wake);
      });
    }
  }

  private take(q: Queue, max: number, visibilitySeconds: number): unknown[] {
    const now = Date.now();
    const taken: unknown[] = [];
    for (const m of [...q.messages]) {
      if (taken.length >= max) break;
      if (m.visibleAt > now) continue;
      if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
        // Received maxReceiveCount times and still not deleted: off to the dead-letter queue.
        q.messages.splice(q.messages.indexOf(m), 1);
        const dlq = [...this.queues.values()].find((x) => x.arn === q.redrive!.deadLetterTargetArn)!;
        dlq.messages.push({ ...m, receiveCount: 0, visibleAt: 0, receiptHandle: undefined });
        this.stats.redriven++;
        continue;
      }
      m.receiveCount++;
      m.visibleAt = now + visibilitySeconds * 1000;
      m.receiptHandle = Buffer.from(`${q.name}:${m.id}:${randomUUID()}`).toString("base64url");
      taken.push({
        MessageId: m.id,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
      });
    }
    return taken;
  }

  private find(q: Queue, handle: string): Message | undefined {
    let decoded: string;
    try {
      decoded = Buffer.from(handle, "base64url").toString("utf8");
    } catch {
      decoded = "";
    }
    const [queueName, messageId] = decoded.split(":");
    if (queueName !== q.name || !messageId)
      throw new SqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
        "ReceiptHandleIsInvalid",
      );
    const message = q.messages.find((m) => m.id === messageId);
    if (message && message.receiptHandle !== handle) {
      this.stats.staleDeletes++;
      return undefined;
    }
    return message;
  }

  private delete(q: Queue, handle: string): void {
    const message = this.find(q, handle);
    if (message) q.messages.splice(q.messages.indexOf(message), 1);
  }

  private deleteBatch(q: Queue, entries: unknown): unknown {
    const list = (entries ?? []) as Array<{ Id: string; ReceiptHandle: string }>;
    if (list.length === 0 || list.length > 10)
      throw new SqsError(
        "TooManyEntriesInBatchRequest",
        "A batch holds 1 to 10 entries.",
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      );
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of list) {
      try {
        this.delete(q, e.ReceiptHandle);
        Successful.push({ Id: e.Id });
      } catch (err) {
        Failed.push({ Id: e.Id, SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: (err as Error).message });
      }
    }
    return { Successful, Failed };
  }

  private changeVisibility(q: Queue, handle: string, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      throw new SqsError(
        "InvalidParameterValue",
        "VisibilityTimeout must be 0 to 43200 seconds.",
        "InvalidParameterValue",
      );
    const message = this.find(q, handle);
    if (!message)
      throw new SqsError(
        "MessageNotInflight",
        "The message referred to isn't in flight.",
        "AWS.SimpleQueueService.MessageNotInflight",
      );
    message.visibleAt = Date.now() + seconds * 1000;
    for (const wake of [...this.waiters]) wake();
  }
}

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}
