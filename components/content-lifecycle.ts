/**
 * Lifecycle rules of the sync task's content bucket. The bucket is versioned and the worker writes every download to a
 * key of its own, deleting the previous one once the new one is committed, so without rules every update, resync or
 * interrupted upload would stay billed for ever:
 * - incomplete multipart uploads (a worker killed mid-upload) are aborted a few days after they started;
 * - noncurrent versions (replaced or deleted content) expire after the retention the stack configures, and the delete
 *   markers left once they are gone are removed.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html.
 */
import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";
import type * as aws from "@pulumi/aws";

/** Days after which an incomplete multipart upload is aborted. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 3;
/** Default days a replaced or deleted version of a document is kept. */
export const DEFAULT_NONCURRENT_VERSION_DAYS = 30;

/** The rules, as plain data (tested without the mock runtime). */
export function contentLifecycleRules(opts: {
  prefix: string;
  noncurrentVersionDays: number;
}): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  if (!Number.isInteger(opts.noncurrentVersionDays) || opts.noncurrentVersionDays < 1)
    throw new Error(
      `noncurrentVersionDays: expected a whole number of days of at least 1, got ${opts.noncurrentVersionDays}`,
    );
  const filter = { prefix: opts.prefix };
  return [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter,
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter,
      noncurrentVersionExpiration: { noncurrentDays: opts.noncurrentVersionDays },
      expiration: { expiredObjectDeleteMarker: true },
    },
  ];
}

/** Attaches the rules to `bucket` (after versioning is on, as S3 requires for noncurrent-version rules). */
export function contentBucketLifecycle(
  name: string,
  bucket: s3.Bucket,
  versioning: s3.BucketVersioning,
  opts: { prefix: string; noncurrentVersionDays: number },
  parent: pulumi.Resource,
): s3.BucketLifecycleConfiguration {
  return new s3.BucketLifecycleConfiguration(
    `${name}-content-lifecycle`,
    { bucket: bucket.id, rules: contentLifecycleRules(opts) },
    { parent, dependsOn: [versioning] },
  );
}
