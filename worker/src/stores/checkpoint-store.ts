// The in-progress round: the nextLink to continue from plus counters, written after each page's
// items are durable. Absent (no nextLink) when no round is in progress.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { CheckpointStorePort } from "../sync/ports";
import { FencedItemStore } from "./fenced-item";

export type RoundMode = "full" | "incremental";

export type Checkpoint = {
  /** Where the round continues: the @odata.nextLink of the last durable page. */
  nextLink: string;
  /** Stamped on every document a full round sees; the sweep deletes the ones without it. */
  roundId: string;
  mode: RoundMode;
  pages: number;
  items: number;
  bytes: number;
  startedAt: string;
  /** A folder changed or a file's folder chain was incomplete: recompute paths before completing. */
  pathsDirty: boolean;
  /** Why a full round is running (first run, reset, or the 410 code that forced a resync). */
  reason: string;
  /** "finishing" once every page is applied: the end-of-round pass is running, `deltaLink` waits to be saved. */
  phase?: "listing" | "finishing";
  /** The deltaLink of the round's last page, saved to state once the end-of-round pass is done. */
  deltaLink?: string;
  /** The end-of-round pass has handled every row up to this itemId. */
  sweepFrom?: string;
};

/** Every field of a round in progress: what `clear` removes. */
export const ROUND_FIELDS = [
  "nextLink",
  "roundId",
  "mode",
  "pages",
  "items",
  "bytes",
  "startedAt",
  "pathsDirty",
  "reason",
  "phase",
  "deltaLink",
  "sweepFrom",
] as const;

export class CheckpointStore implements CheckpointStorePort {
  private readonly items: FencedItemStore<Checkpoint>;

  constructor(doc: DynamoDBDocumentClient, table: string) {
    this.items = new FencedItemStore(doc, table);
  }

  async read(siteId: string): Promise<Checkpoint | undefined> {
    const item = await this.items.read(siteId);
    return item?.nextLink === undefined ? undefined : (item as Checkpoint);
  }

  claim(siteId: string, fence: number): Promise<void> {
    return this.items.claim(siteId, fence);
  }

  save(siteId: string, fence: number, checkpoint: Checkpoint): Promise<void> {
    return this.items.update(siteId, fence, checkpoint);
  }

  /** Clears the round but keeps the item (and its fence) so stale workers stay fenced out. */
  clear(siteId: string, fence: number): Promise<void> {
    return this.items.update(siteId, fence, {}, ROUND_FIELDS);
  }
}
