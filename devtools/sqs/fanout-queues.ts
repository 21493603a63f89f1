// The fan-out's queues on the SQS stand-in, as the stack creates them (components/sync-fanout.ts): the download
// queue and its dead-letter queue under the names the deployment declares, the download queue with the deployed
// visibility timeout and a RedrivePolicy that sends a task to the dead-letter queue after `maxReceiveCount`
// deliveries. Created by the administrator (as `pulumi up` would), through the IAM enforcement front.
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { DeployedFanOut } from "../iam/deployment";
import { WORKER_ENVIRONMENT as ENV } from "../../worker/src/contract";

export async function provisionQueues(
  fanOut: DeployedFanOut,
  sqs: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
  /** Deliveries before dead-lettering; default the deployed RedrivePolicy's (a test may dead-letter sooner). */
  maxReceiveCount = fanOut.queue.maxReceiveCount,
): Promise<void> {
  const client = new SQSClient(sqs);
  try {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: fanOut.deadLetterQueue.name }));
    const arn = (
      await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
    if (arn !== fanOut.deadLetterQueue.arn)
      throw new Error(`the SQS stand-in made ${arn} for the stack's dead-letter queue ${fanOut.deadLetterQueue.arn}`);
    await client.send(
      new CreateQueueCommand({
        QueueName: fanOut.queue.name,
        Attributes: {
          VisibilityTimeout: String(fanOut.queue.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: String(maxReceiveCount) }),
        },
      }),
    );
  } finally {
    client.destroy();
  }
}

/** The worker environment of a fan-out run: the queue URLs as the stack hands them to producer and consumers. */
export function fanOutEnvironment(fanOut: DeployedFanOut): Record<string, string> {
  return { [ENV.downloadQueueUrl]: fanOut.queue.url, [ENV.downloadDeadLetterQueueUrl]: fanOut.deadLetterQueue.url };
}
