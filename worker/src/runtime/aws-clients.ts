// The AWS SDK clients, built once per process from the validated configuration. Credentials come
// from the SDK's default chain (ECS task role in AWS; aws sso login on a laptop). Every call has a
// connection and a request (socket idle) timeout, so an unreachable DynamoDB or S3 fails the call
// instead of hanging the run while its lease keeps being renewed.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { WorkerConfig } from "../config/load";

/** DynamoDB answers in milliseconds: a call silent for this long is dead. */
export const DYNAMODB_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 };
/** S3 parts are 5 MiB and more: allow a slow link, not a dead one. */
export const S3_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 60_000 };

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;
  destroy(): void;
}

export function createAwsClients(config: Pick<WorkerConfig, "region" | "endpoints">): AwsClients {
  const dynamo = new DynamoDBClient({
    region: config.region,
    endpoint: config.endpoints.dynamodb,
    requestHandler: DYNAMODB_TIMEOUTS,
  });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const s3 = new S3Client({
    region: config.region,
    endpoint: config.endpoints.s3,
    requestHandler: S3_TIMEOUTS,
    // Path-style addressing works on S3 and on local S3 stand-ins alike (no per-bucket DNS).
    forcePathStyle: true,
    // The SDK's default CRC32 trailer checksums on every upload are not understood by every
    // S3-compatible store; S3 itself still validates Content-MD5 where an operation requires it.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    dynamo,
    documents,
    s3,
    destroy() {
      documents.destroy();
      s3.destroy();
    },
  };
}
