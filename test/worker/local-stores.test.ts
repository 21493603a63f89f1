// The local stores answer the real AWS SDK: a conditional DynamoDB write is enforced and a
// multipart upload through lib-storage round-trips byte for byte.
import { strict as assert } from "node:assert";
import { createHash, randomBytes } from "node:crypto";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { startLocalStores, type LocalStores } from "../../devtools/local-stores";

describe("local stores (dynalite + s3rver)", () => {
  let stores: LocalStores;
  before(async () => {
    stores = await startLocalStores({ buckets: ["smoke"] });
  });
  after(async () => stores.close());

  it("enforces conditional writes in dynalite", async () => {
    const ddb = new DynamoDBClient({
      region: "ap-southeast-2",
      endpoint: stores.dynamoEndpoint,
      credentials: stores.credentials,
    });
    await ddb.send(
      new CreateTableCommand({
        TableName: "smoke-table",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "siteId", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "siteId", KeyType: "HASH" }],
      }),
    );
    const put = () =>
      new PutItemCommand({
        TableName: "smoke-table",
        Item: { siteId: { S: "a" } },
        ConditionExpression: "attribute_not_exists(siteId)",
      });
    await ddb.send(put());
    await assert.rejects(ddb.send(put()), ConditionalCheckFailedException);
  });

  it("accepts a multipart upload signed with the generated secret", async () => {
    const s3 = new S3Client({
      region: "ap-southeast-2",
      endpoint: stores.s3Endpoint,
      credentials: stores.credentials,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    const body = randomBytes(11 * 1024 * 1024);
    await new Upload({
      client: s3,
      params: { Bucket: "smoke", Key: "a/b", Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    const got = await s3.send(new GetObjectCommand({ Bucket: "smoke", Key: "a/b" }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(createHash("sha256").update(bytes).digest("hex"), createHash("sha256").update(body).digest("hex"));
  });
});
