// Document content in S3 at sharepoint/<siteId>/<itemId>, streamed from Graph with lib-storage's
// Upload: a file larger than one part becomes a multipart upload holding about
// partSize x (queueSize + 1) bytes in memory, whatever the file's size.
import { contentKey } from "../contract";
import { CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import { Semaphore } from "../runtime/semaphore";

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

/** Where an item's bytes live: the shared contract's prefix, which the task role's policy is limited to. */
export { contentKey };

export class ContentStore {
  private readonly largeSlots = new Semaphore(MAX_CONCURRENT_LARGE_UPLOADS);

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /**
   * Runs `transfer` (open the download, then put) once a slot for a file of `size` bytes is free.
   * Taken BEFORE the download is opened, so no response waits half-read for a slot.
   */
  withSlot<T>(size: number | undefined, transfer: () => Promise<T>): Promise<T> {
    return size !== undefined && size > LARGE_FILE_BYTES ? this.largeSlots.use(transfer) : transfer();
  }

  /** Streams `body` to `key`; resolves with the bytes written. */
  async put(
    key: string,
    body: Readable,
    opts: { size?: number; contentType?: string; signal?: AbortSignal },
  ): Promise<number> {
    let bytes = 0;
    body.on("data", (chunk: Buffer) => (bytes += chunk.length));
    const job = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType },
      partSize: partSizeFor(opts.size),
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void job.abort();
    opts.signal?.addEventListener("abort", abort, { once: true });
    try {
      await job.done();
    } catch (err) {
      body.destroy();
      throw err;
    } finally {
      opts.signal?.removeEventListener("abort", abort);
    }
    return bytes;
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that does not exist: deleting twice is harmless.
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
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
