// The SQS stand-in through the real @aws-sdk/client-sqs: batches, visibility timeouts, receipt
// handles, long polling and redrive to a dead-letter queue, as SQS documents them.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { SqsEmulator } from "../../../devtools/sqs";

describe("SQS emulator (JSON protocol) with @aws-sdk/client-sqs", () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  before(async () => {
    sqs = await SqsEmulator.start();
    client = new SQSClient({
      region: sqs.region,
      endpoint: sqs.endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: randomBytes(12).toString("hex") },
    });
  });
  after(async () => {
    client.destroy();
    await sqs.close();
  });

  const createPair = async (name: string, maxReceiveCount = 2) => {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: "30",
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: Attributes!.QueueArn,
            maxReceiveCount: String(maxReceiveCount),
          }),
        },
      }),
    );
    return { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
  };
  const entries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: JSON.stringify({ i }) }));

  it("sends batches of up to 10 with checked MD5s, and refuses larger ones by SQS's error", async () => {
    const { url } = await createPair("batches");
    const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(10) }));
    assert.equal(sent.Successful?.length, 10);
    await assert.rejects(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) })), {
      name: "TooManyEntriesInBatchRequest",
    });
    await assert.rejects(
      client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [...entries(1), ...entries(1)] })),
      { name: "BatchEntryIdsNotDistinct" },
    );
    const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    assert.equal(attributes.Attributes?.ApproximateNumberOfMessages, "10");
  });

  it("hides a received message for the visibility timeout, and only its latest receipt handle deletes it", async () => {
    const { url } = await createPair("visibility", 5);
    await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(1) }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.equal(first.Messages?.length, 1);
    assert.equal(
      (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.length ?? 0,
      0,
      "in flight",
    );
    assert.deepEqual(sqs.depth("visibility"), { visible: 0, inFlight: 1 });
    // The consumer "dies": its message becomes visible again (visibility ends) and is delivered again.
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first.Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const second = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }),
    );
    assert.equal(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount, "2");
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle }));
    assert.deepEqual(sqs.depth("visibility"), { visible: 0, inFlight: 1 }, "a stale handle deletes nothing");
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.Messages![0]!.ReceiptHandle }));
    assert.deepEqual(sqs.depth("visibility"), { visible: 0, inFlight: 0 });
    await assert.rejects(client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })), {
      name: "ReceiptHandleIsInvalid",
    });
  });

  it("moves a message received more than maxReceiveCount times to the dead-letter queue", async () => {
    const { url, dlqUrl } = await createPair("redrive", 2);
    await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(1) }));
    for (let i = 0; i < 2; i++) {
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
      assert.equal(got.Messages?.length, 1, `receive ${i + 1}`);
    }
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.length ?? 0, 0);
    const dead = await client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    assert.equal(dead.Messages?.[0]?.Body, JSON.stringify({ i: 0 }));
    assert.equal(sqs.stats.redriven, 1);
  });

  it("long-polls: a waiting receive returns as soon as a message arrives", async () => {
    const { url } = await createPair("longpoll");
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(1) }));
    assert.equal((await waiting).Messages?.length, 1);
  });
});
