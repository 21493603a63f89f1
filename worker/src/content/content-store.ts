// Document content in S3 at sharepoint/<siteId>/<itemId>, streamed from Graph with lib-storage's
// Upload: a file larger than one part becomes a multipart upload holding at most
// partSize x (queueSize + 1) bytes in memory, whatever the file's size.
import { CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import { Semaphore } from "../runtime/semaphore";

/** 8 MiB parts, two in flight: ~24 MiB per multipart upload (measured in bench/worker-memory.ts). */
export const PART_SIZE = 8 * 1024 * 1024;
export const QUEUE_SIZE = 2;
/** Multipart uploads running at once, whatever the item concurrency: bounds memory for big files. */
export const MAX_CONCURRENT_MULTIPART = 2;

export function contentKey(siteId: string, itemId: string): string {
  return `sharepoint/${siteId}/${itemId}`;
}

export class ContentStore {
  private readonly multipart = new Semaphore(MAX_CONCURRENT_MULTIPART);

  constructor(private readonly s3: S3Client, readonly bucket: string) {}

  /** Streams `body` to `key`; resolves with the bytes written. */
  async put(key: string, body: Readable, opts: { size?: number; contentType?: string; signal?: AbortSignal }): Promise<number> {
    let bytes = 0;
    body.on("data", (chunk: Buffer) => (bytes += chunk.length));
    const upload = () => {
      const job = new Upload({
        client: this.s3,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      const abort = () => void job.abort();
      opts.signal?.addEventListener("abort", abort, { once: true });
      return job.done().finally(() => opts.signal?.removeEventListener("abort", abort));
    };
    try {
      if (opts.size !== undefined && opts.size > PART_SIZE) await this.multipart.use(upload);
      else await upload();
    } catch (err) {
      body.destroy();
      throw err;
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
