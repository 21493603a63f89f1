// One row per file or folder of the library: the worker's own id -> object map. SharePoint's
// deletions carry no name, and folder renames do not list descendants, so everything the worker
// needs later (S3 key, folder chain, hashes and eTag for skipping) is kept here, keyed by item id.
//
// Every write is fenced like the checkpoint: the row carries the fence of the lease holder that last
// wrote it, and a write requires `fence <= ours`. A worker that lost its lease can therefore no
// longer change a row the new holder has written, even when its request is delivered late.
// A content commit (`ifContent`) also requires the row to still name the content it replaces, so of
// two writers of the same item (fan-out consumers of duplicate tasks) only the first one lands.
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { DocumentPage, DocumentStorePort } from "../sync/ports";
import { ContentChangedError, LeaseLostError, isConditionalCheckFailed } from "./errors";

export type DocumentKind = "file" | "folder" | "root";

export interface DocumentRecord {
  siteId: string;
  itemId: string;
  kind: DocumentKind;
  name?: string;
  parentId?: string;
  /** "Folder/Sub/name.ext" from the drive root; recomputed when a folder above it changes. */
  path?: string;
  size?: number;
  eTag?: string;
  lastModified?: string;
  mimeType?: string;
  hashes?: Record<string, string>;
  /** S3 key of the content (files only): sharepoint/<siteId>/<itemId>/<fence>-<nonce>. */
  s3Key?: string;
  /** The bytes stored did not hash to the listed quickXorHash (SharePoint alters some Office files on download). */
  hashMismatch?: boolean;
  /** The round that last saw this item (full rounds sweep whatever they did not see). */
  roundId: string;
  syncedAt: string;
  /** Fence of the lease holder that last wrote the row. */
  fence?: number;
}

const BATCH_GET_LIMIT = 100;
const FENCE_OK = "attribute_not_exists(fence) OR fence <= :fence";

export class DocumentStore implements DocumentStorePort {
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

  async put(record: DocumentRecord, fence: number, opts: { ifContent?: string | null } = {}): Promise<void> {
    const commit = opts.ifContent !== undefined;
    const content =
      opts.ifContent === null ? " AND attribute_not_exists(s3Key)" : commit ? " AND s3Key = :expected" : "";
    await this.fenced(
      record.siteId,
      record.itemId,
      fence,
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...record, fence },
            ConditionExpression: `(${FENCE_OK})${content}`,
            ExpressionAttributeValues: { ":fence": fence, ...(opts.ifContent ? { ":expected": opts.ifContent } : {}) },
          }),
        ),
      commit
        ? (current) => new ContentChangedError(record.siteId, record.itemId, opts.ifContent ?? undefined, current)
        : undefined,
    );
  }

  async markSeen(siteId: string, itemId: string, roundId: string, fence: number): Promise<void> {
    await this.update(siteId, itemId, fence, "SET roundId = :round", { ":round": roundId });
  }

  async setPath(siteId: string, itemId: string, path: string, fence: number): Promise<void> {
    await this.update(siteId, itemId, fence, "SET #path = :path", { ":path": path }, { "#path": "path" });
  }

  async delete(siteId: string, itemId: string, fence: number): Promise<DocumentRecord | undefined> {
    let removed: DocumentRecord | undefined;
    await this.fenced(siteId, itemId, fence, async () => {
      const out = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { siteId, itemId },
          ConditionExpression: FENCE_OK,
          ExpressionAttributeValues: { ":fence": fence },
          // The row as deleted: a consumer may have committed newer content since the caller read it.
          ReturnValues: "ALL_OLD",
        }),
      );
      removed = out.Attributes as DocumentRecord | undefined;
    });
    return removed;
  }

  async page(siteId: string, opts: { after?: string; limit: number; foldersOnly?: boolean }): Promise<DocumentPage> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "siteId = :site",
        ...(opts.foldersOnly ? { FilterExpression: "kind <> :file" } : {}),
        ExpressionAttributeValues: { ":site": siteId, ...(opts.foldersOnly ? { ":file": "file" } : {}) },
        ExclusiveStartKey: opts.after === undefined ? undefined : { siteId, itemId: opts.after },
        Limit: opts.limit,
        ConsistentRead: true,
      }),
    );
    return {
      records: (out.Items ?? []) as DocumentRecord[],
      last: out.LastEvaluatedKey?.itemId as string | undefined,
    };
  }

  /** An update of an existing row; a row deleted meanwhile (a later occurrence) needs nothing. */
  private async update(
    siteId: string,
    itemId: string,
    fence: number,
    set: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<void> {
    await this.fenced(siteId, itemId, fence, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { siteId, itemId },
          UpdateExpression: `${set}, fence = :fence`,
          ConditionExpression: `attribute_exists(itemId) AND (${FENCE_OK})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ":fence": fence },
        }),
      ),
    );
  }

  /**
   * Runs a conditional write; a refusal is a lost lease only when a newer fence holds the row. A
   * refused content commit (`changed`) is ContentChangedError; a refused update of a row deleted
   * meanwhile needs nothing.
   */
  private async fenced(
    siteId: string,
    itemId: string,
    fence: number,
    write: () => Promise<unknown>,
    changed?: (current: DocumentRecord | undefined) => Error,
  ): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const out = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: { siteId, itemId }, ConsistentRead: true }),
      );
      const current = out.Item as DocumentRecord | undefined;
      if (current?.fence !== undefined && current.fence > fence)
        throw new LeaseLostError(siteId, `document ${itemId} was written by fence ${current.fence}, ours is ${fence}`);
      if (changed) throw changed(current);
    }
  }
}

/** Every row of the site, page by page (status counts, tests). */
export async function* allDocuments(
  store: Pick<DocumentStorePort, "page">,
  siteId: string,
  opts: { foldersOnly?: boolean } = {},
): AsyncGenerator<DocumentRecord> {
  let after: string | undefined;
  do {
    const page = await store.page(siteId, { after, limit: 1000, foldersOnly: opts.foldersOnly });
    yield* page.records;
    after = page.last;
  } while (after !== undefined);
}
