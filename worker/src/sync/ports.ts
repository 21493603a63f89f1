// What a delta round talks to, as small interfaces. The production implementations are the Graph
// client (graph/client.ts), the DynamoDB stores (stores/*.ts) and the S3 content store
// (content/content-store.ts); devtools/worker/memory-stores.ts holds in-memory ones with the same
// conditions, so most round behaviour is tested in-process in milliseconds.
//
// Every write takes the writer's fence: a store refuses it (LeaseLostError) once a newer lease holder
// has written the same item, which is how a worker that lost its lease is kept from overwriting the
// work of the one that took over. Content is committed by a row write that also names the content it
// replaces (`ifContent`): of two writers that read the same row, only the first commit lands, which
// is what keeps fan-out consumers (who hold no lease) from committing over each other.
import type { Readable } from "node:stream";
import type { DeltaPage, DriveItem } from "../graph/drive-item";
import type { OpenedContent } from "../graph/client";
import type { Checkpoint } from "../stores/checkpoint-store";
import type { DocumentRecord } from "../stores/document-store";
import type { QuarantineEntry } from "../stores/quarantine-store";
import type { SyncState } from "../stores/state-store";
import type { DownloadTask } from "../fanout/download-queue";

export interface GraphSource {
  /** The token-less delta URL: a full listing of the drive. */
  fullDeltaUrl(siteId: string): string;
  deltaPage(url: string, signal?: AbortSignal): Promise<DeltaPage>;
  /** The item as it is now; undefined once it no longer exists. */
  getItem(siteId: string, itemId: string, signal?: AbortSignal): Promise<DriveItem | undefined>;
  /** The file's item and content stream; undefined once it no longer exists. */
  openContent(siteId: string, itemId: string, signal?: AbortSignal): Promise<OpenedContent | undefined>;
}

export interface DocumentPage {
  readonly records: DocumentRecord[];
  /** itemId to continue after; undefined on the last page. */
  readonly last?: string;
}

export interface DocumentStorePort {
  getMany(siteId: string, itemIds: readonly string[]): Promise<Map<string, DocumentRecord>>;
  /**
   * Writes the record with our fence, unless a newer holder already wrote the row (LeaseLostError).
   * With `ifContent` it is a content commit: the row must still name that key (null: no content, or
   * no row), else ContentChangedError.
   */
  put(record: DocumentRecord, fence: number, opts?: { ifContent?: string | null }): Promise<void>;
  /** Stamps an existing row with the round (a full round's sweep keeps what it stamped). */
  markSeen(siteId: string, itemId: string, roundId: string, fence: number): Promise<void>;
  setPath(siteId: string, itemId: string, path: string, fence: number): Promise<void>;
  /** Deletes the row; resolves with the row as it was deleted (its s3Key is the content to remove). */
  delete(siteId: string, itemId: string, fence: number): Promise<DocumentRecord | undefined>;
  /** One page of the site's rows in itemId order, after `after`; `foldersOnly` leaves files out. */
  page(siteId: string, opts: { after?: string; limit: number; foldersOnly?: boolean }): Promise<DocumentPage>;
}

export interface FencedItemPort<T> {
  read(siteId: string): Promise<Partial<T> | undefined>;
  /** Raises the item's fence to ours; LeaseLostError when a newer holder already did. */
  claim(siteId: string, fence: number): Promise<void>;
}

export interface CheckpointStorePort extends FencedItemPort<Checkpoint> {
  read(siteId: string): Promise<Checkpoint | undefined>;
  save(siteId: string, fence: number, checkpoint: Checkpoint): Promise<void>;
  clear(siteId: string, fence: number): Promise<void>;
}

export interface StateStorePort extends FencedItemPort<SyncState> {
  save(siteId: string, fence: number, state: SyncState): Promise<void>;
  forgetDeltaLink(siteId: string, fence: number): Promise<void>;
}

export interface QuarantineStorePort {
  list(siteId: string): Promise<QuarantineEntry[]>;
  /** Records one more failed attempt at the item (first seen is kept, attempts add up). */
  record(
    siteId: string,
    failure: { itemId: string; path?: string; error: string; attempts: number; roundId: string },
    fence: number,
  ): Promise<QuarantineEntry>;
  clear(siteId: string, itemId: string, fence: number): Promise<void>;
}

export interface StoredContent {
  readonly bytes: number;
  /** QuickXorHash of the bytes written, as Graph shows it (base64). */
  readonly quickXorHash: string;
}

export interface ContentStorePort {
  /** Runs `transfer` once an upload slot for a file of `size` bytes is free. */
  withSlot<T>(size: number | undefined, transfer: () => Promise<T>): Promise<T>;
  /** `onBytes` is called as bytes pass (a long upload is progress too, for the watchdog). */
  put(
    key: string,
    body: Readable,
    opts: { size?: number; contentType?: string; signal?: AbortSignal; onBytes?: () => void },
  ): Promise<StoredContent>;
  delete(key: string): Promise<void>;
  /** Every object under `prefix`, with the store's time of writing (ms). */
  list(prefix: string, signal?: AbortSignal): AsyncIterable<ContentObject>;
}

export interface ContentObject {
  readonly key: string;
  readonly lastModified: number;
}

/** Fan-out: where the round hands its downloads (worker/src/fanout/download-queue.ts on SQS). */
export interface DownloadQueuePort {
  /** Buffers a task; `flush` sends the buffer (before the page's checkpoint: a crash re-sends, never loses). */
  add(task: DownloadTask): void;
  flush(): Promise<number>;
  /** Resolves once no task is waiting or in flight; rejects when `stop` fires first. */
  drained(stop: AbortSignal): Promise<void>;
}
