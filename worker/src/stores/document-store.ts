// One item per file or folder of the library: the worker's own id -> object map. SharePoint's
// deletions carry no name, and folder renames do not list descendants, so everything the worker
// needs later (S3 key, folder chain, cTag/eTag for skipping) is kept here, keyed by item id.
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./errors";

export type DocumentKind = "file" | "folder" | "root";

export interface DocumentRecord {
  siteId: string;
  itemId: string;
  kind: DocumentKind;
  name?: string;
  parentId?: string;
  /** "/Folder/Sub/name.ext" from the drive root; recomputed when a folder above it changes. */
  path?: string;
  size?: number;
  eTag?: string;
  cTag?: string;
  lastModified?: string;
  mimeType?: string;
  hashes?: Record<string, string>;
  /** S3 key of the content (files only). */
  s3Key?: string;
  /** The round that last saw this item (full rounds sweep whatever they did not see). */
  roundId: string;
  syncedAt: string;
}

const BATCH_GET_LIMIT = 100;

export class DocumentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getMany(siteId: string, itemIds: readonly string[]): Promise<Map<string, DocumentRecord>> {
    const found = new Map<string, DocumentRecord>();
    for (let i = 0; i < itemIds.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = itemIds
        .slice(i, i + BATCH_GET_LIMIT)
        .map((itemId) => ({ siteId, itemId }));
      // BatchGet may return part of the keys as unprocessed under load: ask again for those.
      while (keys !== undefined && keys.length > 0) {
        const out: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) found.set(item.itemId as string, item as DocumentRecord);
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
  }

  async put(record: DocumentRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: record }));
  }

  /** Stamps an unchanged item with the current round so a full round's sweep keeps it. */
  async markSeen(siteId: string, itemId: string, roundId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { siteId, itemId },
          UpdateExpression: "SET roundId = :round",
          ConditionExpression: "attribute_exists(itemId)",
          ExpressionAttributeValues: { ":round": roundId },
        }),
      );
    } catch (err) {
      // Deleted meanwhile by a later occurrence: nothing to keep.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async setPath(siteId: string, itemId: string, path: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { siteId, itemId },
        UpdateExpression: "SET #path = :path",
        ExpressionAttributeNames: { "#path": "path" },
        ExpressionAttributeValues: { ":path": path },
      }),
    );
  }

  async delete(siteId: string, itemId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { siteId, itemId } }));
  }

  /** Every record of the site (or only folders and the root), page by page. */
  async *all(siteId: string, opts: { foldersOnly?: boolean } = {}): AsyncGenerator<DocumentRecord> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "siteId = :site",
          ...(opts.foldersOnly ? { FilterExpression: "kind <> :file" } : {}),
          ExpressionAttributeValues: { ":site": siteId, ...(opts.foldersOnly ? { ":file": "file" } : {}) },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) yield item as DocumentRecord;
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}
