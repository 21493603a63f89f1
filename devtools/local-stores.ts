// Local stand-ins for DynamoDB (dynalite, in memory) and S3 (s3rver, temp directory), and for a stack with fan-out
// SQS (devtools/sqs), each on an ephemeral loopback port. Used by the worker's tests, the credential-chain tests, the benches and
// `npm run worker:local`.
//
// How s3rver authenticates (lib/middleware/authentication.js, s3rver 3.7.1): it looks the request's
// access key id up in its account registry, which holds exactly one built-in dummy account with the
// key id "S3RVER". For Signature Version 4 (what the AWS SDK v3 sends) it never recomputes the
// signature: a known key id is enough. So the worker's signed requests get through when they are
// signed with the key id "S3RVER" and ANY secret; we generate a random secret per run so that no
// credential-shaped literal lives in the repository. dynalite ignores credentials altogether.
//
// Known s3rver limitation on Node 20: ListObjectsV2 builds DES-encrypted continuation tokens, which
// OpenSSL 3 refuses, so any V2 listing of more than 1,000 keys fails with InternalError. List with
// ListObjects (v1) and Marker instead.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enforceIam, provisionTables, sessionEnv, type EnforcedAws } from "./iam";
import type { StackDeployment } from "./iam/deployment";
import { SqsEmulator } from "./sqs";
import { provisionQueues } from "./sqs/fanout-queues";

// Whoever uses the local stores talks to them through the AWS SDK, whose notice that releases after
// January 2027 need Node 22 would otherwise fill every test run's output (the versions are pinned).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Neither package ships type declarations.

const dynalite: (opts: Record<string, unknown>) => Server = require("dynalite");

const S3rver: new (opts: Record<string, unknown>) => S3rverInstance = require("s3rver");

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The only access key id s3rver knows (its built-in dummy account). */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";

export interface LocalStores {
  /** e.g. http://127.0.0.1:40123 - for AWS_ENDPOINT_URL_DYNAMODB (the IAM enforcement front, when enforced) */
  readonly dynamoEndpoint: string;
  /** e.g. http://127.0.0.1:40124 - for AWS_ENDPOINT_URL_S3 (the IAM enforcement front, when enforced) */
  readonly s3Endpoint: string;
  /** s3rver's on-disk store, removed by close(). */
  readonly s3Directory: string;
  /** Credentials s3rver accepts; the secret is random per run. With IAM enforced: the administrator's. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Environment variables that point the AWS SDK (in this process or a child) at these stores: with IAM enforced,
   *  signed as the stack's task role. */
  readonly awsEnv: Readonly<Record<string, string>>;
  /** The enforcement layer, when the stores run with a stack's IAM policies. */
  readonly iam?: EnforcedAws;
  /** The SQS stand-in with the stack's fan-out queues, on a stack with fan-out; `endpoint` is its enforcement front. */
  readonly sqs?: { readonly emulator: SqsEmulator; readonly endpoint: string };
  close(): Promise<void>;
}

export interface LocalStoresOptions {
  /** Buckets that exist from the start. */
  readonly buckets?: readonly string[];
  /** AWS region the SDK signs for; default ap-southeast-2 (the deployment's region when one is given). */
  readonly region?: string;
  /** Keep DynamoDB's data on disk (LevelDB in a temporary directory) instead of in this process's
   *  memory: for benches with a million rows. */
  readonly dynamoOnDisk?: boolean;
  /**
   * Enforce IAM as this stack deploys it (`loadDeployment` from devtools/iam): the stack's tables and bucket exist
   * from the start, every call goes through the enforcement layer, and `awsEnv` signs as the stack's task role.
   */
  readonly deployment?: StackDeployment;
  /** Deliveries before the fan-out's queue dead-letters a task; default the stack's RedrivePolicy. */
  readonly queueMaxReceiveCount?: number;
}

export async function startLocalStores(opts: LocalStoresOptions = {}): Promise<LocalStores> {
  // Tables become ACTIVE at once: the default 500 ms CREATING state only slows tests down.
  const dynamoDirectory = opts.dynamoOnDisk ? await mkdtemp(join(tmpdir(), "dynalite-")) : undefined;
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: dynamoDirectory });
  await new Promise<void>((resolve, reject) => {
    dynamo.once("error", reject);
    dynamo.listen(0, "127.0.0.1", () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const s3Directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3Directory,
    // Path-style only: the worker's S3 client sets forcePathStyle, and vhost matching on
    // "amazonaws.com" would never apply to 127.0.0.1 anyway.
    vhostBuckets: false,
    configureBuckets: [...(opts.buckets ?? []), ...(opts.deployment ? [opts.deployment.bucket.name] : [])].map(
      (name) => ({ name }),
    ),
  });
  const s3Address = await s3.run();

  const region = opts.deployment?.region ?? opts.region ?? "ap-southeast-2";
  const credentials = { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: randomBytes(20).toString("base64url") };
  // The SQS stand-in runs for a stack with fan-out, its queues in the stack's account and region.
  const sqs =
    opts.deployment?.fanOut &&
    (await SqsEmulator.start({ region: opts.deployment.region, accountId: opts.deployment.accountId }));
  const storeEndpoints = {
    dynamodb: `http://127.0.0.1:${dynamoPort}`,
    s3: `http://127.0.0.1:${s3Address.port}`,
    sqs: sqs?.endpoint,
  };
  const iam = opts.deployment && (await enforcedStores(opts.deployment, storeEndpoints, credentials));
  const dynamoEndpoint = iam?.endpoints.dynamodb ?? storeEndpoints.dynamodb;
  const s3Endpoint = iam?.endpoints.s3 ?? storeEndpoints.s3;
  const sqsEndpoint = iam?.endpoints.sqs;
  if (opts.deployment?.fanOut && sqsEndpoint !== undefined)
    await provisionQueues(
      opts.deployment.fanOut,
      { endpoint: sqsEndpoint, region, credentials },
      opts.queueMaxReceiveCount,
    );
  let closed = false;
  return {
    dynamoEndpoint,
    s3Endpoint,
    s3Directory,
    credentials,
    iam,
    sqs: sqs && sqsEndpoint !== undefined ? { emulator: sqs, endpoint: sqsEndpoint } : undefined,
    awsEnv: {
      AWS_REGION: region,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      ...(sqsEndpoint === undefined ? {} : { AWS_ENDPOINT_URL_SQS: sqsEndpoint }),
      ...(iam ? sessionEnv(iam.taskSession) : sessionEnv(credentials)),
    },
    async close() {
      if (closed) return;
      closed = true;
      await iam?.enforcer.close();
      await Promise.all([
        new Promise<void>((resolve) => {
          dynamo.close(() => resolve());
          dynamo.closeAllConnections?.();
        }),
        s3.close().catch(() => undefined),
        sqs?.close(),
      ]);
      await rm(s3Directory, { recursive: true, force: true });
      if (dynamoDirectory) await rm(dynamoDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * The stores behind the IAM enforcement layer: the stack's tables created by the administrator, the administrator's
 * key kept for the test's own clients, and forwarded S3 calls presented to s3rver under the one key it knows (it
 * checks key IDs, not signatures; the enforcement layer has already verified the caller's signature).
 */
async function enforcedStores(
  deployment: StackDeployment,
  upstream: { dynamodb: string; s3: string; sqs?: string },
  administrator: { accessKeyId: string; secretAccessKey: string },
) {
  await provisionTables(deployment, upstream.dynamodb, administrator);
  return enforceIam({
    deployment,
    upstream,
    administrator: {
      ...administrator,
      arn: `arn:aws:iam::${deployment.accountId}:root`,
      access: { kind: "administrator" },
    },
    forwardHeaders: (service, headers) => {
      if (service !== "s3" || typeof headers.authorization !== "string") return headers;
      const { ["x-amz-security-token"]: _token, ...rest } = headers;
      return {
        ...rest,
        authorization: headers.authorization.replace(/Credential=[^/]+\//, `Credential=${S3RVER_ACCESS_KEY_ID}/`),
      };
    },
  });
}
