// The IAM enforcement layer in front of dynalite, s3rver and the STS emulator: every call the real AWS SDK makes is
// authorised against the dev stack's generated task-role policy (from the program under the mock runtime), with IAM's
// evaluation logic, and refused exactly as each service refuses it.
import { strict as assert } from "node:assert";
import {
  BatchGetItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { randomBytes } from "node:crypto";
import {
  loadDeployment,
  newRoleSession,
  withoutAction,
  type Principal,
  type StackDeployment,
} from "../../devtools/iam";
import { dynamodbAuthorisations } from "../../devtools/iam/requests/dynamodb";
import { s3Authorisations } from "../../devtools/iam/requests/s3";
import { stsAuthorisations } from "../../devtools/iam/requests/sts";
import { UnmappedRequest } from "../../devtools/iam/requests/types";
import { startLocalStores, type LocalStores } from "../../devtools/local-stores";
import { contentKey } from "../../worker/src/contract";

const SCOPE = { partition: "aws", accountId: "111122223333", region: "ap-southeast-2" };
const SITE = "contoso.sharepoint.com,3f0a4c5e-1b2d-4e6f-8a9b-0c1d2e3f4a5b,7e8f9a0b-1c2d-4e3f-9a5b-6c7d8e9f0a1b";

describe("IAM enforcement: request mapping", () => {
  it("authorises BatchGetItem as its own action, once per table it reads, with the partition keys", () => {
    const auth = dynamodbAuthorisations(
      "DynamoDB_20120810.BatchGetItem",
      {
        RequestItems: {
          docs: {
            Keys: [
              { siteId: { S: "a" }, itemId: { S: "1" } },
              { siteId: { S: "b" }, itemId: { S: "2" } },
            ],
          },
          lease: { Keys: [{ siteId: { S: "a" } }] },
        },
      },
      SCOPE,
      () => "siteId",
    );
    assert.deepEqual(auth, [
      {
        action: "dynamodb:BatchGetItem",
        resource: "arn:aws:dynamodb:ap-southeast-2:111122223333:table/docs",
        context: { "dynamodb:LeadingKeys": ["a", "b"] },
      },
      {
        action: "dynamodb:BatchGetItem",
        resource: "arn:aws:dynamodb:ap-southeast-2:111122223333:table/lease",
        context: { "dynamodb:LeadingKeys": ["a"] },
      },
    ]);
  });

  it("authorises each item of a transaction with its own action, an index query on the index ARN", () => {
    const transaction = dynamodbAuthorisations(
      "DynamoDB_20120810.TransactWriteItems",
      { TransactItems: [{ Put: { TableName: "t", Item: {} } }, { ConditionCheck: { TableName: "u", Key: {} } }] },
      SCOPE,
      () => undefined,
    );
    assert.deepEqual(
      transaction.map((a) => [a.action, a.resource.split(":").pop()]),
      [
        ["dynamodb:PutItem", "table/t"],
        ["dynamodb:ConditionCheckItem", "table/u"],
      ],
    );
    const [query] = dynamodbAuthorisations(
      "DynamoDB_20120810.Query",
      {
        TableName: "t",
        IndexName: "byPath",
        KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "siteId" },
        ExpressionAttributeValues: { ":s": { S: "site-1" } },
        Select: "COUNT",
      },
      SCOPE,
      () => "siteId",
    );
    assert.equal(query!.resource, "arn:aws:dynamodb:ap-southeast-2:111122223333:table/t/index/byPath");
    assert.deepEqual(query!.context, { "dynamodb:LeadingKeys": ["site-1"], "dynamodb:Select": "COUNT" });
    assert.deepEqual(
      dynamodbAuthorisations("DynamoDB_20120810.ListTables", {}, SCOPE, () => undefined)[0]!.resource,
      "*",
    );
    assert.throws(() => dynamodbAuthorisations(undefined, {}, SCOPE, () => undefined), UnmappedRequest);
  });

  it("maps S3 calls to the actions S3 documents, multipart uploads included", () => {
    const s3 = (method: string, path: string, query: Record<string, string> = {}, headers = {}, body?: string) =>
      s3Authorisations({ method, path, query, headers, body }, SCOPE).map((a) => `${a.action} ${a.resource}`);
    const object = "arn:aws:s3:::b/sharepoint/x,y/1";
    const path = "/b/sharepoint/x%2Cy/1";
    assert.deepEqual(s3("HEAD", path), [`s3:GetObject ${object}`]);
    assert.deepEqual(s3("POST", path, { uploads: "" }), [`s3:PutObject ${object}`]);
    assert.deepEqual(s3("PUT", path, { partNumber: "1", uploadId: "u" }), [`s3:PutObject ${object}`]);
    assert.deepEqual(s3("POST", path, { uploadId: "u" }), [`s3:PutObject ${object}`]);
    assert.deepEqual(s3("DELETE", path, { uploadId: "u" }), [`s3:AbortMultipartUpload ${object}`]);
    assert.deepEqual(s3("GET", path, { uploadId: "u" }), [`s3:ListMultipartUploadParts ${object}`]);
    assert.deepEqual(s3("DELETE", path, { versionId: "v" }), [`s3:DeleteObjectVersion ${object}`]);
    assert.deepEqual(s3("PUT", path, {}, { "x-amz-copy-source": "/b/other%20key" }), [
      `s3:PutObject ${object}`,
      "s3:GetObject arn:aws:s3:::b/other key",
    ]);
    assert.deepEqual(s3("HEAD", "/b"), ["s3:ListBucket arn:aws:s3:::b"]);
    assert.deepEqual(s3("PUT", "/b"), ["s3:CreateBucket arn:aws:s3:::b"]);
    assert.deepEqual(s3("GET", "/b", { uploads: "" }), ["s3:ListBucketMultipartUploads arn:aws:s3:::b"]);
    assert.deepEqual(
      s3(
        "POST",
        "/b",
        { delete: "" },
        {},
        "<Delete><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object></Delete>",
      ),
      ["s3:DeleteObject arn:aws:s3:::b/a&b", "s3:DeleteObject arn:aws:s3:::b/c"],
    );
    const [list] = s3Authorisations(
      { method: "GET", path: "/b", query: { "list-type": "2", prefix: "sharepoint/" }, headers: {} },
      SCOPE,
    );
    assert.equal(list!.context["s3:prefix"], "sharepoint/");
    assert.throws(() => s3("PATCH", path), UnmappedRequest);
  });

  it("maps GetWebIdentityToken with its three condition keys; GetCallerIdentity needs no permission", () => {
    const form = new URLSearchParams(
      "Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=api%3A%2F%2FAzureADTokenExchange&SigningAlgorithm=RS256&DurationSeconds=300",
    );
    assert.deepEqual(stsAuthorisations(form), [
      {
        action: "sts:GetWebIdentityToken",
        resource: "*",
        context: {
          "sts:IdentityTokenAudience": ["api://AzureADTokenExchange"],
          "sts:SigningAlgorithm": "RS256",
          "sts:DurationSeconds": "300",
        },
      },
    ]);
    assert.deepEqual(stsAuthorisations(new URLSearchParams("Action=GetCallerIdentity")), []);
  });
});

describe("IAM enforcement in front of dynalite and s3rver, with the dev stack's task role", function () {
  let deployment: StackDeployment;
  let stores: LocalStores;
  const clients: Array<{ destroy(): void }> = [];

  before(async () => {
    deployment = await loadDeployment("dev");
    stores = await startLocalStores({ deployment });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await stores?.close();
  });

  const dynamoAs = (who: Pick<Principal, "accessKeyId" | "secretAccessKey" | "sessionToken">) => {
    const client = new DynamoDBClient({
      region: deployment.region,
      endpoint: stores.dynamoEndpoint,
      credentials: who,
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };
  const s3As = (who: Pick<Principal, "accessKeyId" | "secretAccessKey" | "sessionToken">) => {
    const client = new S3Client({
      region: deployment.region,
      endpoint: stores.s3Endpoint,
      credentials: who,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };
  const documents = () => deployment.tables.documents;

  it("reads the stack's own task role, tables and bucket from the program", () => {
    assert.match(deployment.taskRole.arn, /^arn:aws:iam::111122223333:role\/zs-dev-sync-task-[0-9a-f]{7}$/);
    assert.equal(deployment.taskEnvironment.DOCUMENTS_TABLE, documents().name);
    assert.equal(documents().arn, `arn:aws:dynamodb:ap-southeast-2:111122223333:table/${documents().name}`);
    assert.deepEqual([documents().hashKey, documents().rangeKey], ["siteId", "itemId"]);
    assert.equal(deployment.taskEnvironment.CONTENT_BUCKET, deployment.bucket.name);
    assert.equal(deployment.taskRole.policies.length, 1);
  });

  it("lets the task role make the calls its policy grants, on its own tables and prefix", async () => {
    const dynamo = dynamoAs(stores.iam!.taskSession);
    const key = { siteId: { S: SITE }, itemId: { S: "1" } };
    await dynamo.send(new BatchGetItemCommand({ RequestItems: { [documents().name]: { Keys: [key] } } }));
    await dynamo.send(new GetItemCommand({ TableName: deployment.tables.lease.name, Key: { siteId: { S: SITE } } }));
    const s3 = s3As(stores.iam!.taskSession);
    await s3.send(
      new PutObjectCommand({ Bucket: deployment.bucket.name, Key: contentKey(SITE, "small", "1-0a1b2c3d"), Body: "x" }),
    );
    // lib-storage's multipart upload (two 5 MiB parts and a remainder) needs s3:PutObject alone.
    const body = randomBytes(11 * 1024 * 1024);
    await new Upload({
      client: s3,
      params: { Bucket: deployment.bucket.name, Key: contentKey(SITE, "big", "1-0a1b2c3d"), Body: body },
    }).done();
    const calls = stores
      .iam!.enforcer.records.filter((r) => r.principal === stores.iam!.taskSession.arn)
      .map((r) => r.call);
    assert.ok(
      calls.some((c) => /\?partNumber&uploadId|\?.*uploadId.*partNumber/.test(c)),
      "the upload went in parts",
    );
    const upload = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: deployment.bucket.name, Key: contentKey(SITE, "cut", "1-0a1b2c3d") }),
    );
    // Authorised (s3:AbortMultipartUpload); s3rver itself has no AbortMultipartUpload and answers 405.
    await s3
      .send(
        new AbortMultipartUploadCommand({
          Bucket: deployment.bucket.name,
          Key: contentKey(SITE, "cut", "1-0a1b2c3d"),
          UploadId: upload.UploadId,
        }),
      )
      .catch((err: Error) => assert.equal(err.name, "MethodNotAllowed"));
    assert.ok(
      stores.iam!.enforcer.records.some((r) => r.action === "s3:AbortMultipartUpload" && r.decision === "allow"),
    );
    assert.deepEqual(stores.iam!.enforcer.denials(), []);
  });

  it("refuses what the policy does not grant as DynamoDB does: AccessDeniedException naming action and resource", async () => {
    const dynamo = dynamoAs(stores.iam!.taskSession);
    for (const [command, action, resource] of [
      [new ScanCommand({ TableName: documents().name }), "dynamodb:Scan", documents().arn],
      [new DescribeTableCommand({ TableName: documents().name }), "dynamodb:DescribeTable", documents().arn],
      [
        new GetItemCommand({ TableName: "another-table", Key: { siteId: { S: SITE } } }),
        "dynamodb:GetItem",
        "arn:aws:dynamodb:ap-southeast-2:111122223333:table/another-table",
      ],
    ] as const) {
      await assert.rejects(
        dynamo.send(command as never),
        (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(err.name, "AccessDeniedException");
          assert.equal(err.$metadata?.httpStatusCode, 400);
          assert.equal(
            err.message,
            `User: ${stores.iam!.taskSession.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
          );
          return true;
        },
      );
    }
  });

  it("refuses what the policy does not grant as S3 does: 403 AccessDenied naming action and resource", async () => {
    const s3 = s3As(stores.iam!.taskSession);
    const bucket = deployment.bucket.name;
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: contentKey(SITE, "small", "1-0a1b2c3d") })),
      (err: Error & { $metadata?: { httpStatusCode?: number }; Code?: string }) => {
        assert.equal(err.name, "AccessDenied");
        assert.equal(err.$metadata?.httpStatusCode, 403);
        assert.match(
          err.message,
          new RegExp(`is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${bucket}/sharepoint/`),
        );
        return true;
      },
    );
    // Outside the content prefix, even PutObject is refused.
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "elsewhere/x", Body: "x" })), {
      name: "AccessDenied",
      message: `User: ${stores.iam!.taskSession.arn} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${bucket}/elsewhere/x" because no identity-based policy allows the s3:PutObject action`,
    });
    // HEAD answers carry no body: the SDK reports the status.
    await assert.rejects(
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: contentKey(SITE, "small", "1-0a1b2c3d") })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.$metadata?.httpStatusCode, 403);
        return true;
      },
    );
  });

  it("refuses BatchGetItem once the policy loses it (the finding this layer exists for)", async () => {
    const session = stores.iam!.newSession(withoutAction(deployment.taskRole, "dynamodb:BatchGetItem"));
    const dynamo = dynamoAs(session);
    await assert.rejects(
      dynamo.send(
        new BatchGetItemCommand({
          RequestItems: { [documents().name]: { Keys: [{ siteId: { S: SITE }, itemId: { S: "1" } }] } },
        }),
      ),
      {
        name: "AccessDeniedException",
        message: new RegExp(
          `perform: dynamodb:BatchGetItem on resource: ${documents().arn} because no identity-based policy allows`,
        ),
      },
    );
    // GetItem, still granted, is unaffected.
    await dynamo.send(new GetItemCommand({ TableName: deployment.tables.lease.name, Key: { siteId: { S: SITE } } }));
  });

  it("lets an explicit Deny win over an Allow, and says so", async () => {
    const role = {
      ...deployment.taskRole,
      policies: [
        ...deployment.taskRole.policies,
        { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "dynamodb:*", Resource: documents().arn }] },
      ],
    };
    const dynamo = dynamoAs(stores.iam!.newSession(role));
    await assert.rejects(
      dynamo.send(
        new GetItemCommand({ TableName: documents().name, Key: { siteId: { S: SITE }, itemId: { S: "1" } } }),
      ),
      {
        name: "AccessDeniedException",
        message: /perform: dynamodb:GetItem on resource: .* with an explicit deny in an identity-based policy$/,
      },
    );
  });

  it("caps the role with the stack's permissions boundary, and names the boundary when it refuses", async () => {
    assert.ok(deployment.taskRole.permissionsBoundary, "the dev stack creates its boundary");
    const role = {
      ...deployment.taskRole,
      policies: [
        ...deployment.taskRole.policies,
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "dynamodb:GetItem",
              Resource: "arn:aws:dynamodb:ap-southeast-2:111122223333:table/outside-the-stack",
            },
          ],
        },
      ],
    };
    const dynamo = dynamoAs(stores.iam!.newSession(role));
    await assert.rejects(
      dynamo.send(new GetItemCommand({ TableName: "outside-the-stack", Key: { siteId: { S: SITE } } })),
      {
        name: "AccessDeniedException",
        message:
          /perform: dynamodb:GetItem on resource: arn:aws:dynamodb:ap-southeast-2:111122223333:table\/outside-the-stack because no permissions boundary allows the dynamodb:GetItem action$/,
      },
    );
  });

  it("refuses bad signatures, unknown keys and expired sessions with each service's own error", async () => {
    const session = stores.iam!.taskSession;
    const wrongSecret = { ...session, secretAccessKey: randomBytes(30).toString("base64") };
    await assert.rejects(
      dynamoAs(wrongSecret).send(
        new GetItemCommand({ TableName: deployment.tables.lease.name, Key: { siteId: { S: SITE } } }),
      ),
      { name: "InvalidSignatureException" },
    );
    await assert.rejects(
      s3As(wrongSecret).send(
        new PutObjectCommand({ Bucket: deployment.bucket.name, Key: contentKey(SITE, "z", "1-0a1b2c3d"), Body: "z" }),
      ),
      { name: "SignatureDoesNotMatch" },
    );
    const stranger = newRoleSession(deployment.taskRole);
    await assert.rejects(
      dynamoAs(stranger).send(
        new GetItemCommand({ TableName: deployment.tables.lease.name, Key: { siteId: { S: SITE } } }),
      ),
      { name: "UnrecognizedClientException" },
    );
    await assert.rejects(
      s3As(stranger).send(
        new PutObjectCommand({ Bucket: deployment.bucket.name, Key: contentKey(SITE, "z", "1-0a1b2c3d"), Body: "z" }),
      ),
      { name: "InvalidAccessKeyId" },
    );
    const expired = stores.iam!.newSession(deployment.taskRole);
    (expired as { expiration: Date }).expiration = new Date(Date.now() - 1000);
    await assert.rejects(
      dynamoAs(expired).send(
        new GetItemCommand({ TableName: deployment.tables.lease.name, Key: { siteId: { S: SITE } } }),
      ),
      { name: "ExpiredTokenException" },
    );
  });
});
