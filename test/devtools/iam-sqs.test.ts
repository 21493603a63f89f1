// SQS behind the IAM enforcement layer: each SQS operation maps to the action and queue ARN the Service Authorization
// Reference lists (batches as their single action), and a call the prod stack's task role may not make is refused
// the way SQS refuses it on the JSON protocol, so that the real @aws-sdk/client-sqs raises `AccessDenied` naming the
// action and the queue.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { loadDeployment, newRoleSession, type Principal, type StackDeployment } from "../../devtools/iam";
import { sqsAuthorisations } from "../../devtools/iam/requests/sqs";
import { UnmappedRequest } from "../../devtools/iam/requests/types";
import { startLocalStores, type LocalStores } from "../../devtools/local-stores";

const SCOPE = { partition: "aws", accountId: "111122223333", region: "ap-southeast-2" };
const URL_OF = (name: string) => `https://sqs.ap-southeast-2.amazonaws.com/111122223333/${name}`;

describe("IAM enforcement: SQS request mapping", () => {
  const map = (operation: string, body: Record<string, unknown>) =>
    sqsAuthorisations(`AmazonSQS.${operation}`, body, SCOPE).map((a) => [a.action, a.resource]);

  it("maps each queue operation to its own action on the queue ARN the QueueUrl names", () => {
    for (const operation of [
      "SendMessage",
      "ReceiveMessage",
      "DeleteMessage",
      "ChangeMessageVisibility",
      "GetQueueAttributes",
      "PurgeQueue",
    ]) {
      assert.deepEqual(map(operation, { QueueUrl: URL_OF("downloads") }), [
        [`sqs:${operation}`, "arn:aws:sqs:ap-southeast-2:111122223333:downloads"],
      ]);
    }
    // A local endpoint's URL has the same path; its region is the enforcer's.
    assert.deepEqual(map("SendMessage", { QueueUrl: "http://127.0.0.1:4566/444455556666/other" }), [
      ["sqs:SendMessage", "arn:aws:sqs:ap-southeast-2:444455556666:other"],
    ]);
    assert.deepEqual(map("GetQueueAttributes", { QueueUrl: "https://sqs.eu-west-1.amazonaws.com/111122223333/q" }), [
      ["sqs:GetQueueAttributes", "arn:aws:sqs:eu-west-1:111122223333:q"],
    ]);
  });

  it("authorises a batch as its single action: there is no sqs:SendMessageBatch", () => {
    for (const [operation, action] of [
      ["SendMessageBatch", "sqs:SendMessage"],
      ["DeleteMessageBatch", "sqs:DeleteMessage"],
      ["ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"],
    ]) {
      assert.deepEqual(map(operation!, { QueueUrl: URL_OF("downloads"), Entries: [] }), [
        [action, "arn:aws:sqs:ap-southeast-2:111122223333:downloads"],
      ]);
    }
  });

  it("maps CreateQueue and GetQueueUrl to the queue they name, ListQueues to *", () => {
    assert.deepEqual(map("CreateQueue", { QueueName: "fresh" }), [
      ["sqs:CreateQueue", "arn:aws:sqs:ap-southeast-2:111122223333:fresh"],
    ]);
    assert.deepEqual(map("GetQueueUrl", { QueueName: "theirs", QueueOwnerAWSAccountId: "444455556666" }), [
      ["sqs:GetQueueUrl", "arn:aws:sqs:ap-southeast-2:444455556666:theirs"],
    ]);
    assert.deepEqual(map("ListQueues", {}), [["sqs:ListQueues", "*"]]);
  });

  it("refuses what it cannot map: an unknown target, no target, a queue it cannot name", () => {
    assert.throws(() => map("StartMessageMoveTask", { SourceArn: "arn:aws:sqs:ap-southeast-2:1:q" }), UnmappedRequest);
    assert.throws(() => sqsAuthorisations(undefined, {}, SCOPE), UnmappedRequest);
    assert.throws(() => sqsAuthorisations("DynamoDB_20120810.GetItem", {}, SCOPE), UnmappedRequest);
    assert.throws(() => map("SendMessage", {}), UnmappedRequest);
    assert.throws(
      () => map("SendMessage", { QueueUrl: "https://sqs.ap-southeast-2.amazonaws.com/q" }),
      UnmappedRequest,
    );
    assert.throws(() => map("CreateQueue", {}), UnmappedRequest);
  });
});

describe("IAM enforcement in front of the SQS stand-in, with the prod stack's task role", function () {
  let deployment: StackDeployment;
  let stores: LocalStores;
  const clients: Array<{ destroy(): void }> = [];

  before(async () => {
    deployment = await loadDeployment("prod");
    stores = await startLocalStores({ deployment });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await stores?.close();
  });

  /** A client's settings for the SQS front, signing as `who`. */
  const at = (who: Pick<Principal, "accessKeyId" | "secretAccessKey" | "sessionToken">) => ({
    region: deployment.region,
    endpoint: stores.sqs!.endpoint,
    credentials: who,
    maxAttempts: 1,
  });
  const kept = <C extends { destroy(): void }>(client: C): C => {
    clients.push(client);
    return client;
  };
  const sqsAs = (who: Parameters<typeof at>[0]) => kept(new SQSClient(at(who)));
  const fanOut = () => deployment.fanOut!;

  it("reads the fan-out's queues from the program and creates them under the stack's names", () => {
    assert.match(fanOut().queue.name, /^zs-prod-sync-fanout-queue-/);
    assert.equal(fanOut().queue.arn, `arn:aws:sqs:${deployment.region}:${deployment.accountId}:${fanOut().queue.name}`);
    assert.match(fanOut().deadLetterQueue.name, /^zs-prod-sync-fanout-dlq-/);
    assert.deepEqual(stores.sqs!.emulator.depth(fanOut().queue.name), { visible: 0, inFlight: 0 });
    assert.equal(stores.awsEnv.AWS_ENDPOINT_URL_SQS, stores.sqs!.endpoint);
  });

  it("lets the task role use the download queue as its policy grants, batches included", async () => {
    const sqs = sqsAs(stores.iam!.taskSession);
    const QueueUrl = fanOut().queue.url;
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "one" }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: "a", MessageBody: "two" }] }));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    assert.equal(Messages.length, 2);
    const entries = Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
    // A failed task is left to its visibility timeout: the policy grants no sqs:ChangeMessageVisibility, and its batch
    // form is refused as that action.
    await assert.rejects(
      sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl,
          Entries: entries.map((e) => ({ ...e, VisibilityTimeout: 30 })),
        }),
      ),
      (err: Error) =>
        err.name === "AccessDenied" && /perform: sqs:changemessagevisibility on resource/.test(err.message),
    );
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: entries }));
    await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: fanOut().deadLetterQueue.url,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    const mine = stores.iam!.enforcer.records.filter((r) => r.principal === stores.iam!.taskSession.arn);
    assert.deepEqual(
      mine.map((r) => [r.call, r.action, r.decision]),
      [
        ["AmazonSQS.SendMessage", "sqs:SendMessage", "allow"],
        ["AmazonSQS.SendMessageBatch", "sqs:SendMessage", "allow"],
        ["AmazonSQS.ReceiveMessage", "sqs:ReceiveMessage", "allow"],
        ["AmazonSQS.ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility", "implicitDeny"],
        ["AmazonSQS.DeleteMessageBatch", "sqs:DeleteMessage", "allow"],
        ["AmazonSQS.GetQueueAttributes", "sqs:GetQueueAttributes", "allow"],
      ],
    );
    assert.deepEqual(stores.sqs!.emulator.depth(fanOut().queue.name), { visible: 0, inFlight: 0 });
  });

  it("refuses what the policy does not grant as SQS does: AccessDenied (403) naming action and queue", async () => {
    const sqs = sqsAs(stores.iam!.taskSession);
    const arn = stores.iam!.taskSession.arn;
    for (const [command, action, resource] of [
      // The dead-letter queue is granted for its depth only.
      [
        new SendMessageCommand({ QueueUrl: fanOut().deadLetterQueue.url, MessageBody: "x" }),
        "sqs:SendMessage",
        fanOut().deadLetterQueue.arn,
      ],
      [new PurgeQueueCommand({ QueueUrl: fanOut().queue.url }), "sqs:PurgeQueue", fanOut().queue.arn],
      [
        new CreateQueueCommand({ QueueName: "another-queue" }),
        "sqs:CreateQueue",
        `arn:aws:sqs:${deployment.region}:${deployment.accountId}:another-queue`,
      ],
    ] as const) {
      await assert.rejects(
        sqs.send(command as never),
        (err: Error & { Code?: string; $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(err.name, "AccessDenied");
          assert.equal(err.Code, "AccessDenied");
          assert.equal(err.$metadata?.httpStatusCode, 403);
          // SQS names the action in lower case.
          const named = action.toLowerCase();
          assert.equal(
            err.message,
            `User: ${arn} is not authorized to perform: ${named} on resource: ${resource} because no identity-based policy allows the ${named} action`,
          );
          return true;
        },
      );
    }
    await assert.rejects(sqs.send(new ListQueuesCommand({})), (err: Error) => {
      assert.equal(err.name, "AccessDenied");
      assert.equal(
        err.message,
        `User: ${arn} is not authorized to perform: sqs:listqueues because no identity-based policy allows the sqs:listqueues action`,
      );
      return true;
    });
    // An operation the layer cannot map is refused, never let through, even for the administrator.
    await assert.rejects(
      sqsAs(stores.credentials).send(
        new StartMessageMoveTaskCommand({
          SourceArn: fanOut().deadLetterQueue.arn,
          DestinationArn: fanOut().queue.arn,
        }),
      ),
      (err: Error) =>
        err.name === "AccessDenied" && /does not know which IAM action SQS StartMessageMoveTask/.test(err.message),
    );
    assert.equal(stores.sqs!.emulator.stats.actions.StartMessageMoveTask, undefined);
    assert.deepEqual(stores.sqs!.emulator.bodies(fanOut().deadLetterQueue.name), []);
  });

  it("refuses bad signatures, unknown keys and a credential scoped to another service with SQS's errors", async () => {
    const session = stores.iam!.taskSession;
    const send = (who: Pick<Principal, "accessKeyId" | "secretAccessKey" | "sessionToken">) =>
      sqsAs(who).send(new SendMessageCommand({ QueueUrl: fanOut().queue.url, MessageBody: "x" }));
    await assert.rejects(send({ ...session, secretAccessKey: randomBytes(30).toString("base64") }), {
      name: "SignatureDoesNotMatch",
    });
    await assert.rejects(send(newRoleSession(deployment.taskRole)), { name: "InvalidClientTokenId" });
    // A DynamoDB client pointed at the SQS front signs for `dynamodb`: refused before any mapping.
    const dynamo = kept(new DynamoDBClient(at(session)));
    await assert.rejects(dynamo.send(new ListTablesCommand({})), (err: Error) =>
      /Credential should be scoped to correct service: 'sqs'/.test(err.message),
    );
    assert.equal(stores.sqs!.emulator.depth(fanOut().queue.name).visible, 0);
  });
});
