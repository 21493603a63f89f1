// The fan-out's queues on the SQS stand-in, as the stack creates them: a download queue whose
// RedrivePolicy sends a task to the dead-letter queue after `maxReceiveCount` deliveries.
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import type { SqsEmulator } from "./index";

export interface FanOutQueues {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Worker environment for the fan-out (add to the harness env). */
  readonly env: Record<string, string>;
}

export async function createFanOutQueues(sqs: SqsEmulator, name: string, maxReceiveCount = 4): Promise<FanOutQueues> {
  const client = new SQSClient({
    region: sqs.region,
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: randomBytes(12).toString("hex") },
  });
  try {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const arn = (
      await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: String(maxReceiveCount) }),
        },
      }),
    );
    return {
      queueUrl: queue.QueueUrl!,
      deadLetterQueueUrl: dlq.QueueUrl!,
      env: {
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        DOWNLOAD_QUEUE_URL: queue.QueueUrl!,
        DOWNLOAD_DEAD_LETTER_QUEUE_URL: dlq.QueueUrl!,
      },
    };
  } finally {
    client.destroy();
  }
}
