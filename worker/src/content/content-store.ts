// Document content in S3, streamed from Graph with lib-storage's Upload: a file larger than one part
// becomes a multipart upload holding about partSize x (queueSize + 1) bytes in memory, whatever the
// file's size.
//
// Keys are unique per upload: sharepoint/<siteId>/<itemId>/<fence>-<nonce>. An upload therefore never
// replaces an object anyone else wrote; it becomes the item's content only when the fenced document
// row names it (the commit). A worker that lost its lease can upload, but its row write is refused,
// and it deletes its own upload; it can never overwrite or delete what the new holder wrote.
import { randomUUID } from "node:crypto";
import { contentKey, itemPrefix } from "../contract";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import pLimit from "p-limit";
import type { ContentObject, ContentStorePort, StoredContent } from "../sync/ports";
import { QuickXorHash } from "./quick-xor-hash";

/** S3's smallest part; two in flight, so ~15 MiB of buffers per upload (bench/worker-memory.ts). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const QUEUE_SIZE = 2;
/** S3 allows 10,000 parts; stay below so a file that grew since it was listed still fits. */
const MAX_PARTS = 9000;

/** The smallest part size that fits the file in MAX_PARTS parts (SharePoint files reach 250 GB). */
export function partSizeFor(size: number | undefined): number {
  return Math.max(MIN_PART_SIZE, Math.ceil((size ?? 0) / MAX_PARTS));
}
/** Upload buffers up to a part of each file, so files above this size take one of a few slots... */
export const LARGE_FILE_BYTES = 1024 * 1024;
/** ...of which there are this many, whatever the item concurrency: worst case ~3 x 15 MiB + N x 1 MiB. */
export const MAX_CONCURRENT_LARGE_UPLOADS = 3;

/** Every version of an item's content lives under this prefix (the shared contract's, which the task role is limited to). */
export { itemPrefix };

/** A key no other upload uses: the writer's fence plus a nonce. */
export function newContentKey(siteId: string, itemId: string, fence: number): string {
  return contentKey(siteId, itemId, `${fence}-${randomUUID().slice(0, 8)}`);
}

/** The fence that wrote a content key (undefined for keys of another shape). */
export function fenceOfKey(key: string): number | undefined {
  const match = /\/(\d+)-[0-9a-f]{8}$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** The bytes a stream passes through, counted and hashed on the way. */
class Measure extends Transform {
  readonly hash = new QuickXorHash();
  bytes = 0;
  constructor(private readonly onBytes?: () => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.();
    done(null, chunk);
  }
}

/** The content stream failed (Graph cut it short), as opposed to S3 refusing the upload. */
export class SourceStreamError extends Error {
  constructor(cause: unknown) {
    super(`the download stream failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "SourceStreamError";
  }
}

export class ContentStore implements ContentStorePort {
  private readonly largeSlots = pLimit(MAX_CONCURRENT_LARGE_UPLOADS);

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /**
   * Runs `transfer` (open the download, then put) once a slot for a file of `size` bytes is free.
   * Taken BEFORE the download is opened, so no response waits half-read for a slot.
   */
  withSlot<T>(size: number | undefined, transfer: () => Promise<T>): Promise<T> {
    return size !== undefined && size > LARGE_FILE_BYTES ? this.largeSlots(transfer) : transfer();
  }

  /** Streams `body` to `key`; resolves with the bytes written and their QuickXorHash. */
  async put(
    key: string,
    body: Readable,
    opts: { size?: number; contentType?: string; signal?: AbortSignal; onBytes?: () => void },
  ): Promise<StoredContent> {
    const measure = new Measure(opts.onBytes);
    let sourceError: unknown;
    const piped = pipeline(body, measure).catch((err: unknown) => {
      sourceError = err;
    });
    const job = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: measure, ContentType: opts.contentType },
      partSize: partSizeFor(opts.size),
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void job.abort();
    opts.signal?.addEventListener("abort", abort, { once: true });
    try {
      await job.done();
      await piped;
    } catch (err) {
      body.destroy();
      measure.destroy();
      await piped;
      throw sourceError !== undefined ? new SourceStreamError(sourceError) : err;
    } finally {
      opts.signal?.removeEventListener("abort", abort);
    }
    if (sourceError !== undefined) throw new SourceStreamError(sourceError);
    return { bytes: measure.bytes, quickXorHash: measure.hash.digest() };
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that does not exist: deleting twice is harmless.
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(prefix: string, signal?: AbortSignal): AsyncIterable<ContentObject> {
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        { abortSignal: signal },
      );
      for (const object of out.Contents ?? [])
        if (object.Key !== undefined) yield { key: object.Key, lastModified: object.LastModified?.getTime() ?? 0 };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** --create-missing (loopback only): creates the bucket unless it exists. Returns whether it did. */
  async createBucketIfMissing(): Promise<boolean> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return false;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
      await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
      return true;
    }
  }
}
