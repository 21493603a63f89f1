// The last COMPLETED round: its deltaLink (where the next incremental round starts) and a summary.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StateStorePort } from "../sync/ports";
import { FencedItemStore } from "./fenced-item";

export type SyncState = {
  deltaLink: string;
  completedAt: string;
  roundId: string;
  mode: string;
  items: number;
  bytes: number;
  /** Live files after the last full round's sweep (used as the ETA's total for the next full round). */
  files: number;
};

export class StateStore implements StateStorePort {
  private readonly items: FencedItemStore<SyncState>;

  constructor(doc: DynamoDBDocumentClient, table: string) {
    this.items = new FencedItemStore(doc, table);
  }

  async read(siteId: string): Promise<Partial<SyncState> | undefined> {
    return this.items.read(siteId);
  }

  claim(siteId: string, fence: number): Promise<void> {
    return this.items.claim(siteId, fence);
  }

  save(siteId: string, fence: number, state: SyncState): Promise<void> {
    return this.items.update(siteId, fence, state);
  }

  /** `reset`: forget the deltaLink so that the next round is a full resync. */
  forgetDeltaLink(siteId: string, fence: number): Promise<void> {
    return this.items.update(siteId, fence, {}, ["deltaLink"]);
  }
}
