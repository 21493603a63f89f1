// SQS calls mapped to the IAM authorisations they need, per "Actions, resources, and condition keys for Amazon SQS"
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html) and "Amazon SQS API
// permissions: Actions and resource reference" (SQS Developer Guide, sqs-api-permissions-reference.html):
// - each operation is its own action on the queue's ARN, `arn:<partition>:sqs:<region>:<account>:<queueName>`;
// - a batch is authorised as its single action: there is no `sqs:SendMessageBatch` action, SendMessageBatch needs
//   `sqs:SendMessage` (likewise DeleteMessageBatch, ChangeMessageVisibilityBatch; see also
//   https://github.com/aws/serverless-application-model/issues/3633, where SendMessageBatch is refused as
//   `sqs:sendmessage`);
// - CreateQueue and GetQueueUrl act on the ARN of the queue they name; ListQueues has no resource-level permission
//   (`*`);
// - SQS has no service-specific condition keys for these calls (global keys are added by the enforcer).
// @aws-sdk/client-sqs speaks the JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`, a JSON body naming the queue
// by `QueueUrl`), and so does the stand-in (devtools/sqs); a request in any other shape is refused, never let through.
import { type Authorisation, type ServiceScope, UnmappedRequest } from "./types";

/** Operations whose action is another operation's (the batch forms). */
const BATCHES: Readonly<Record<string, string>> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

/** Operations on the queue named by `QueueUrl`, authorised as the action of the same name. */
const QUEUE_OPERATIONS = new Set([
  "SendMessage",
  "ReceiveMessage",
  "DeleteMessage",
  "ChangeMessageVisibility",
  "GetQueueAttributes",
  "SetQueueAttributes",
  "PurgeQueue",
  "DeleteQueue",
  "ListQueueTags",
  "TagQueue",
  "UntagQueue",
  "AddPermission",
  "RemovePermission",
  "ListDeadLetterSourceQueues",
  ...Object.keys(BATCHES),
]);

export function queueArnOf(scope: ServiceScope, account: string, queueName: string): string {
  return `arn:${scope.partition}:sqs:${scope.region}:${account}:${queueName}`;
}

/**
 * The queue ARN a queue URL names: `https://sqs.<region>.amazonaws.com/<account>/<name>` (a local endpoint's URL has
 * the same path; its region is the enforcer's).
 */
export function queueArnFromUrl(scope: ServiceScope, queueUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(String(queueUrl));
  } catch {
    throw new UnmappedRequest(`an SQS request whose QueueUrl "${String(queueUrl)}" is not a URL`);
  }
  const m = /^\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(url.pathname);
  if (!m) throw new UnmappedRequest(`an SQS request whose QueueUrl "${url.href}" names no account and queue`);
  const region = /^sqs\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ?? scope.region;
  return queueArnOf({ ...scope, region }, m[1]!, m[2]!);
}

export function sqsAuthorisations(
  target: string | undefined,
  body: Record<string, unknown>,
  scope: ServiceScope,
): Authorisation[] {
  const operation = /^AmazonSQS\.(\w+)$/.exec(target ?? "")?.[1];
  if (operation === undefined) throw new UnmappedRequest(`an SQS request with X-Amz-Target "${target ?? ""}"`);
  const action = `sqs:${BATCHES[operation] ?? operation}`;
  if (operation === "ListQueues") return [{ action, resource: "*", context: {} }];
  if (operation === "CreateQueue" || operation === "GetQueueUrl") {
    if (typeof body.QueueName !== "string" || body.QueueName === "")
      throw new UnmappedRequest(`SQS ${operation} without a QueueName`);
    const owner = typeof body.QueueOwnerAWSAccountId === "string" ? body.QueueOwnerAWSAccountId : scope.accountId;
    return [{ action, resource: queueArnOf(scope, owner, body.QueueName), context: {} }];
  }
  if (!QUEUE_OPERATIONS.has(operation)) throw new UnmappedRequest(`SQS ${operation}`);
  return [{ action, resource: queueArnFromUrl(scope, body.QueueUrl), context: {} }];
}
