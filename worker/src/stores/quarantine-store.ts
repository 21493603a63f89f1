// Items that kept failing (a download Graph always refuses, a body always cut short): recorded so the
// round can complete without them, retried in later rounds, removed once they succeed. Kept in the
// documents table under the partition "<siteId>#quarantine", so no table or permission is added:
// `status` lists them, and an alarm can watch the exit code that says a round left some behind.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { QuarantineStorePort } from "../sync/ports";
import { LeaseLostError, isConditionalCheckFailed } from "./errors";

export interface QuarantineEntry {
  itemId: string;
  /** The item's path when known ("Folder/name.ext"). */
  path?: string;
  /** The last error, naming what failed. */
  error: string;
  /** Failed attempts over all rounds. */
  attempts: number;
  firstSeen: string;
  lastSeen: string;
  /** The round that last tried it. */
  roundId: string;
}

export function quarantinePartition(siteId: string): string {
  return `${siteId}#quarantine`;
}

const FENCE_OK = "attribute_not_exists(fence) OR fence <= :fence";

export class QuarantineStore implements QuarantineStorePort {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(siteId: string): Promise<QuarantineEntry[]> {
    const entries: QuarantineEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "siteId = :site",
          ExpressionAttributeValues: { ":site": quarantinePartition(siteId) },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) entries.push(toEntry(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return entries;
  }

  async record(
    siteId: string,
    failure: { itemId: string; path?: string; error: string; attempts: number; roundId: string },
    fence: number,
  ): Promise<QuarantineEntry> {
    const key = { siteId: quarantinePartition(siteId), itemId: failure.itemId };
    const before = (await this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })))
      .Item;
    const now = new Date(this.now()).toISOString();
    const entry: QuarantineEntry = {
      itemId: failure.itemId,
      path: failure.path ?? (before?.path as string | undefined),
      error: failure.error,
      attempts: ((before?.attempts as number | undefined) ?? 0) + failure.attempts,
      firstSeen: (before?.firstSeen as string | undefined) ?? now,
      lastSeen: now,
      roundId: failure.roundId,
    };
    await this.fenced(siteId, failure.itemId, fence, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, ...entry, fence },
          ConditionExpression: FENCE_OK,
          ExpressionAttributeValues: { ":fence": fence },
        }),
      ),
    );
    return entry;
  }

  async clear(siteId: string, itemId: string, fence: number): Promise<void> {
    await this.fenced(siteId, itemId, fence, () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { siteId: quarantinePartition(siteId), itemId },
          ConditionExpression: FENCE_OK,
          ExpressionAttributeValues: { ":fence": fence },
        }),
      ),
    );
  }

  private async fenced(siteId: string, itemId: string, fence: number, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      throw new LeaseLostError(siteId, `quarantine entry ${itemId} was written by a newer lease holder`);
    }
  }
}

function toEntry(item: Record<string, unknown>): QuarantineEntry {
  const { siteId: _site, fence: _fence, ...entry } = item;
  return entry as unknown as QuarantineEntry;
}
