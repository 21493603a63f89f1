// In-memory implementations of the round's ports (worker/src/sync/ports.ts) with the same conditions
// as the DynamoDB and S3 ones: fenced rows (a write is refused once a newer fence wrote the row),
// fenced checkpoint and state items (claim, then fence = ours), a lease with owner, growing fence and
// expiry, and content keyed like S3 (unique keys, prefix listing). Most round behaviour is tested on
// these in milliseconds; test/worker/memory-stores.test.ts runs the same contract against dynalite.
//
// `Partition` cuts a store off from one worker, the way a network partition does: calls hang (the
// caller's timeout fires after `timeoutMs`), and when the partition heals, small requests that were
// already sent are delivered late (DynamoDB), while request bodies cut off mid-stream are lost (S3).
import { Readable } from "node:stream";
import { SourceStreamError } from "../../worker/src/content/content-store";
import { QuickXorHash } from "../../worker/src/content/quick-xor-hash";
import { ROUND_FIELDS, type Checkpoint } from "../../worker/src/stores/checkpoint-store";
import type { DocumentRecord } from "../../worker/src/stores/document-store";
import { ContentChangedError, LeaseHeldError, LeaseLostError } from "../../worker/src/stores/errors";
import type { Lease } from "../../worker/src/stores/lease-store";
import type { QuarantineEntry } from "../../worker/src/stores/quarantine-store";
import type { SyncState } from "../../worker/src/stores/state-store";
import type {
  CheckpointStorePort,
  ContentObject,
  ContentStorePort,
  DocumentPage,
  DocumentStorePort,
  QuarantineStorePort,
  StateStorePort,
  StoredContent,
} from "../../worker/src/sync/ports";

/** Writes per kind, like the worker's DynamoDB write counter. */
export interface WriteLog {
  documents: number;
  checkpoints: number;
  state: number;
  quarantine: number;
}

export class MemoryDocuments implements DocumentStorePort {
  readonly rows = new Map<string, DocumentRecord>();
  writes = 0;
  /** Called for every page read (a test's way to act between pages of the end-of-round pass). */
  onPage?: (opts: { after?: string; limit: number }) => void;

  private key(siteId: string, itemId: string): string {
    return `${siteId}\u0000${itemId}`;
  }

  async getMany(siteId: string, itemIds: readonly string[]): Promise<Map<string, DocumentRecord>> {
    // A read takes I/O time, as DynamoDB's does: other work runs before its answer arrives (races
    // between a read and the listing show up here as they would in production).
    await new Promise((resolve) => setImmediate(resolve));
    const found = new Map<string, DocumentRecord>();
    for (const id of itemIds) {
      const row = this.rows.get(this.key(siteId, id));
      if (row) found.set(id, structuredClone(row));
    }
    return found;
  }

  async put(record: DocumentRecord, fence: number, opts: { ifContent?: string | null } = {}): Promise<void> {
    this.writes++;
    this.check(record.siteId, record.itemId, fence);
    if (opts.ifContent !== undefined) {
      const current = this.rows.get(this.key(record.siteId, record.itemId));
      if ((current?.s3Key ?? null) !== opts.ifContent || (opts.ifContent !== null && current === undefined))
        throw new ContentChangedError(record.siteId, record.itemId, opts.ifContent ?? undefined, current);
    }
    this.rows.set(this.key(record.siteId, record.itemId), structuredClone({ ...record, fence }));
  }

  async markSeen(siteId: string, itemId: string, roundId: string, fence: number): Promise<void> {
    await this.update(siteId, itemId, fence, (row) => (row.roundId = roundId));
  }

  async setPath(siteId: string, itemId: string, path: string, fence: number): Promise<void> {
    await this.update(siteId, itemId, fence, (row) => (row.path = path));
  }

  async delete(siteId: string, itemId: string, fence: number): Promise<DocumentRecord | undefined> {
    this.writes++;
    this.check(siteId, itemId, fence);
    const removed = this.rows.get(this.key(siteId, itemId));
    this.rows.delete(this.key(siteId, itemId));
    return removed && structuredClone(removed);
  }

  async page(siteId: string, opts: { after?: string; limit: number; foldersOnly?: boolean }): Promise<DocumentPage> {
    this.onPage?.(opts);
    // DynamoDB order: by item id (UTF-8 bytes, which is code-unit order for the ids Graph uses).
    const ids = [...this.rows.values()]
      .filter((r) => r.siteId === siteId && (opts.after === undefined || r.itemId > opts.after))
      .map((r) => r.itemId)
      .sort();
    const slice = ids.slice(0, opts.limit);
    const records = slice
      .map((id) => structuredClone(this.rows.get(this.key(siteId, id))!))
      .filter((r) => !opts.foldersOnly || r.kind !== "file");
    return { records, last: ids.length > opts.limit ? slice.at(-1) : undefined };
  }

  private async update(siteId: string, itemId: string, fence: number, change: (row: DocumentRecord) => void) {
    this.writes++;
    const row = this.rows.get(this.key(siteId, itemId));
    if (row === undefined) return;
    this.check(siteId, itemId, fence);
    change(row);
    row.fence = fence;
  }

  private check(siteId: string, itemId: string, fence: number): void {
    const held = this.rows.get(this.key(siteId, itemId))?.fence;
    if (held !== undefined && held > fence)
      throw new LeaseLostError(siteId, `document ${itemId} was written by fence ${held}, ours is ${fence}`);
  }
}

export class MemoryQuarantine implements QuarantineStorePort {
  readonly entries = new Map<string, QuarantineEntry & { fence: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async list(siteId: string): Promise<QuarantineEntry[]> {
    return [...this.entries.entries()]
      .filter(([key]) => key.startsWith(`${siteId}\u0000`))
      .map(([, { fence: _fence, ...entry }]) => structuredClone(entry));
  }

  async record(
    siteId: string,
    failure: { itemId: string; path?: string; error: string; attempts: number; roundId: string },
    fence: number,
  ): Promise<QuarantineEntry> {
    const key = `${siteId}\u0000${failure.itemId}`;
    const before = this.entries.get(key);
    if (before && before.fence > fence) throw new LeaseLostError(siteId, `quarantine entry ${failure.itemId} is newer`);
    const now = new Date(this.now()).toISOString();
    const entry = {
      itemId: failure.itemId,
      path: failure.path ?? before?.path,
      error: failure.error,
      attempts: (before?.attempts ?? 0) + failure.attempts,
      firstSeen: before?.firstSeen ?? now,
      lastSeen: now,
      roundId: failure.roundId,
    };
    this.entries.set(key, { ...entry, fence });
    return entry;
  }

  async clear(siteId: string, itemId: string, fence: number): Promise<void> {
    const key = `${siteId}\u0000${itemId}`;
    const before = this.entries.get(key);
    if (before && before.fence > fence) throw new LeaseLostError(siteId, `quarantine entry ${itemId} is newer`);
    this.entries.delete(key);
  }
}

/** The checkpoint and state items: claim raises the fence, every other write needs fence = ours. */
class MemoryFencedItems<T extends object> {
  readonly items = new Map<string, Partial<T> & { fence?: number }>();
  writes = 0;

  async read(siteId: string): Promise<(Partial<T> & { fence?: number }) | undefined> {
    const item = this.items.get(siteId);
    return item && structuredClone(item);
  }

  async claim(siteId: string, fence: number): Promise<void> {
    this.writes++;
    const item: Partial<T> & { fence?: number } = this.items.get(siteId) ?? {};
    if (item.fence !== undefined && item.fence > fence)
      throw new LeaseLostError(siteId, `fenced at ${item.fence}, ours is ${fence}`);
    this.items.set(siteId, { ...item, fence });
  }

  protected async update(siteId: string, fence: number, set: Partial<T>, remove: readonly string[] = []) {
    this.writes++;
    const item = this.items.get(siteId);
    if (item?.fence !== fence) throw new LeaseLostError(siteId, `fenced at ${item?.fence ?? "none"}, ours is ${fence}`);
    const next: Record<string, unknown> = { ...item };
    for (const [k, v] of Object.entries(set)) if (v !== undefined) next[k] = v;
    for (const k of remove) delete next[k];
    this.items.set(siteId, next as Partial<T> & { fence?: number });
  }
}

export class MemoryCheckpoints extends MemoryFencedItems<Checkpoint> implements CheckpointStorePort {
  override async read(siteId: string): Promise<Checkpoint | undefined> {
    const item = await super.read(siteId);
    return item?.nextLink === undefined ? undefined : (item as Checkpoint);
  }
  save(siteId: string, fence: number, checkpoint: Checkpoint): Promise<void> {
    return this.update(siteId, fence, checkpoint);
  }
  clear(siteId: string, fence: number): Promise<void> {
    return this.update(siteId, fence, {}, ROUND_FIELDS);
  }
}

export class MemoryState extends MemoryFencedItems<SyncState> implements StateStorePort {
  save(siteId: string, fence: number, state: SyncState): Promise<void> {
    return this.update(siteId, fence, state);
  }
  forgetDeltaLink(siteId: string, fence: number): Promise<void> {
    return this.update(siteId, fence, {}, ["deltaLink"]);
  }
}

export class MemoryLeases {
  readonly items = new Map<string, { owner?: string; fence: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(siteId: string, owner: string, ttlMs: number): Promise<Lease> {
    const now = this.now();
    const item = this.items.get(siteId);
    if (item?.owner !== undefined && item.expiresAt >= now && item.owner !== owner)
      throw new LeaseHeldError(siteId, item.owner, item.expiresAt);
    const next = { owner, fence: (item?.fence ?? 0) + 1, expiresAt: now + ttlMs };
    this.items.set(siteId, next);
    return { siteId, owner, fence: next.fence, expiresAt: next.expiresAt };
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    const item = this.items.get(lease.siteId);
    if (item?.owner !== lease.owner || item.fence !== lease.fence)
      throw new LeaseLostError(
        lease.siteId,
        `now held by ${item?.owner ?? "nobody"} with fence ${item?.fence ?? "none"}`,
      );
    item.expiresAt = this.now() + ttlMs;
    return { ...lease, expiresAt: item.expiresAt };
  }

  async release(lease: Lease): Promise<void> {
    const item = this.items.get(lease.siteId);
    if (item?.owner === lease.owner && item.fence === lease.fence) {
      item.owner = undefined;
      item.expiresAt = 0;
    }
  }
}

export class MemoryContent implements ContentStorePort {
  puts = 0;
  /** Store time of each object's writing: a counter, so that later writes always compare later. */
  private static clock = 0;
  /** Called when an upload starts (a test's way to act "mid-upload"). */
  onPut?: (key: string) => void;
  /** Awaited once an upload's bytes are read, before the object lands (a test holds an upload there). */
  beforeStored?: (key: string) => Promise<void>;

  /** `partition`: this view of the bucket is cut off while it is cut (uploads in flight never land). */
  constructor(
    readonly objects = new Map<string, Buffer>(),
    private readonly partition?: Partition,
    readonly written = new Map<string, number>(),
  ) {}

  /** The same bucket, as seen across `partition`. */
  through(partition: Partition): MemoryContent {
    const view = new MemoryContent(this.objects, partition, this.written);
    view.onPut = (key) => this.onPut?.(key);
    view.beforeStored = (key) => this.beforeStored?.(key) ?? Promise.resolve();
    return view;
  }

  async withSlot<T>(_size: number | undefined, transfer: () => Promise<T>): Promise<T> {
    return transfer();
  }

  async put(
    key: string,
    body: Readable,
    opts: { signal?: AbortSignal; onBytes?: () => void } = {},
  ): Promise<StoredContent> {
    this.puts++;
    this.onPut?.(key);
    await this.connected();
    const chunks: Buffer[] = [];
    const hash = new QuickXorHash();
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        opts.signal?.throwIfAborted();
        chunks.push(chunk);
        hash.update(chunk);
        opts.onBytes?.();
      }
    } catch (err) {
      // As the S3 store does: a failing source is told apart from the store refusing the upload.
      throw opts.signal?.aborted ? err : new SourceStreamError(err);
    }
    await this.beforeStored?.(key);
    // The last part and the completion must reach the store too.
    await this.connected();
    opts.signal?.throwIfAborted();
    const bytes = Buffer.concat(chunks);
    this.objects.set(key, bytes);
    this.written.set(key, ++MemoryContent.clock);
    return { bytes: bytes.length, quickXorHash: hash.digest() };
  }

  async delete(key: string): Promise<void> {
    await this.connected();
    this.objects.delete(key);
    this.written.delete(key);
  }

  async *list(prefix: string): AsyncIterable<ContentObject> {
    await this.connected();
    for (const key of [...this.objects.keys()].sort())
      if (key.startsWith(prefix)) yield { key, lastModified: this.written.get(key) ?? 0 };
  }

  private async connected(): Promise<void> {
    if (this.partition?.isCut) await this.partition.hang(() => Promise.resolve());
  }
}

/**
 * A network partition between one worker and a store. While `cut`, calls hang; each caller gives up
 * after `timeoutMs` (its SDK's request timeout). On `heal()`, calls already sent are delivered late
 * when `deliverLate` (small DynamoDB requests), or lost (an upload body cut off mid-stream).
 */
export class Partition {
  private cutAt?: number;
  private readonly waiting: Array<{ deliver: () => void; drop: () => void }> = [];
  /** Calls that were delivered after their caller had given up. */
  delivered = 0;
  /** Late deliveries the store refused (a stale writer's fence). */
  refused = 0;
  dropped = 0;

  constructor(
    readonly timeoutMs: number,
    readonly deliverLate: boolean,
  ) {}

  get isCut(): boolean {
    return this.cutAt !== undefined;
  }

  cut(): void {
    this.cutAt = Date.now();
  }

  heal(): void {
    this.cutAt = undefined;
    for (const call of this.waiting.splice(0)) (this.deliverLate ? call.deliver : call.drop)();
  }

  /** Wraps a port: every method call goes through the partition. */
  wrap<T extends object>(port: T): T {
    return new Proxy(port, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== "function") return value;
        const invoke = (args: unknown[]) => value.apply(target, args);
        return (...args: unknown[]) => (this.isCut ? this.hang(() => invoke(args) as Promise<unknown>) : invoke(args));
      },
    });
  }

  hang<R>(call: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`request timed out after ${this.timeoutMs} ms (partitioned)`), {
              name: "TimeoutError",
            }),
          ),
        this.timeoutMs,
      );
      this.waiting.push({
        deliver: () => {
          this.delivered++;
          call().then(resolve, (err: unknown) => {
            if ((err as Error).name === "LeaseLostError") this.refused++;
            reject(err);
          });
          clearTimeout(timer);
        },
        drop: () => {
          this.dropped++;
          clearTimeout(timer);
          reject(new Error("connection lost (partitioned)"));
        },
      });
    });
  }
}

/** Content as a readable stream (for tests that put objects directly). */
export function bodyOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}
