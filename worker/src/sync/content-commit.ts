// The one way content reaches the bucket, shared by the delta round (apply-item.ts) and the fan-out
// consumer (fanout/consume-task.ts):
// 1. open the file's content as it is NOW (Graph's download URL is resolved at download time);
// 2. stream it to a key no one else uses, sharepoint/<site>/<item>/<fence>-<nonce>, hashing it;
// 3. commit: the fenced row write that names the new key, on condition that the row still names the
//    content this writer read (`ifContent`). A newer lease holder's row refuses it (LeaseLostError);
//    another writer's earlier commit refuses it too (ContentChangedError). Either way the upload was
//    never visible, so it is removed;
// 4. only then delete the key the row named before.
// Readers take the current key from the row's s3Key; a crash between any two steps leaves at worst an
// object no row names, never a row naming a missing object.
import type { Logger } from "pino";
import { newContentKey, SourceStreamError } from "../content/content-store";
import type { DriveItem } from "../graph/drive-item";
import type { Clock } from "../runtime/clock";
import type { LeaseGuard } from "../runtime/lease-keeper";
import { linkedAbort } from "../runtime/linked-abort";
import type { DocumentKind, DocumentRecord } from "../stores/document-store";
import { ContentChangedError, LeaseLostError } from "../stores/errors";
import { forItem, ItemFailure } from "./item-failure";
import type { ContentStorePort, DocumentStorePort, GraphSource } from "./ports";

/** What a transfer needs: the round's context satisfies it, and so does a consumer's per-task one. */
export interface TransferContext {
  readonly siteId: string;
  readonly roundId: string;
  readonly graph: Pick<GraphSource, "openContent">;
  readonly documents: DocumentStorePort;
  readonly content: ContentStorePort;
  /** The round's lease; for a consumer, the producer's fence the task carries. */
  readonly lease: LeaseGuard;
  readonly abort: AbortSignal;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: { hashMismatches: number };
  /** Called while a long transfer moves (watchdog): bytes passing count as progress. */
  readonly onActivity?: () => void;
}

export type TransferResult =
  | { readonly outcome: "vanished" }
  | { readonly outcome: "downloaded"; readonly bytes: number; readonly key: string; readonly item: DriveItem };

/** Hashes Graph may send, compared in this order; SharePoint sends only quickXorHash. */
const CONTENT_HASHES = ["quickXorHash", "sha256Hash", "sha1Hash"] as const;

/**
 * Whether a stored file still has the listed content. SharePoint's delta items carry no cTag, so
 * this is decided from a hash both sides have plus the size, and from the eTag when there is none
 * (Graph leaves out hashes it has not computed yet).
 */
export function sameContent(
  stored: Pick<DocumentRecord, "size" | "hashes" | "eTag">,
  listed: Pick<DriveItem, "size" | "file" | "eTag">,
): boolean {
  if (stored.size !== listed.size) return false;
  for (const name of CONTENT_HASHES) {
    const before = stored.hashes?.[name];
    const now = listed.file?.hashes?.[name];
    if (before !== undefined && now !== undefined)
      return name === "quickXorHash" ? before === now : before.toUpperCase() === now.toUpperCase();
  }
  return stored.eTag !== undefined && stored.eTag === listed.eTag;
}

/**
 * Downloads the file into a key of its own and commits it against `existing` (the row as the writer
 * read it). `pathOf` gives the path to record for the item as downloaded.
 */
export async function transferFile(
  ctx: TransferContext,
  itemId: string,
  size: number | undefined,
  existing: DocumentRecord | undefined,
  describe: string | undefined,
  pathOf: (current: DriveItem) => Promise<string | undefined>,
): Promise<TransferResult> {
  return ctx.content.withSlot(size, async (): Promise<TransferResult> => {
    const opened = await forItem(itemId, describe, () => ctx.graph.openContent(ctx.siteId, itemId, ctx.abort));
    if (opened === undefined) return { outcome: "vanished" };
    // Describe what was actually uploaded: the item may have changed since it was listed.
    const current = opened.item;
    const path = await pathOf(current);
    ctx.lease.assertHeld();
    const key = newContentKey(ctx.siteId, current.id, ctx.lease.fence);
    let stored;
    const upload = linkedAbort(ctx.abort, ctx.lease.lost);
    try {
      stored = await ctx.content.put(key, opened.body, {
        size: current.size,
        contentType: current.file?.mimeType,
        signal: upload.signal,
        onBytes: ctx.onActivity,
      });
    } catch (err) {
      opened.body.destroy();
      if (ctx.lease.lost.aborted) throw ctx.lease.lost.reason;
      if (err instanceof SourceStreamError) throw new ItemFailure(current.id, path, err);
      throw err;
    } finally {
      upload.dispose();
    }
    const expected = current.file?.hashes?.quickXorHash;
    const hashMismatch = expected !== undefined && expected !== stored.quickXorHash;
    if (hashMismatch) {
      ctx.counters.hashMismatches++;
      ctx.logger.warn(
        { item: { id: current.id, path }, quickXorHash: { listed: expected, downloaded: stored.quickXorHash } },
        `downloaded bytes of item ${current.id} (${path ?? "path unknown"}) do not match its quickXorHash; stored as downloaded (SharePoint alters some Office files on download)`,
      );
    }
    try {
      ctx.lease.assertHeld();
      await ctx.documents.put(
        { ...documentRecord(ctx, current, "file", path), s3Key: key, hashMismatch },
        ctx.lease.fence,
        { ifContent: existing?.s3Key ?? null },
      );
    } catch (err) {
      // Not committed: the upload is ours alone (its key is unique), so removing it is always safe.
      if (err instanceof LeaseLostError || err instanceof ContentChangedError)
        await ctx.content.delete(key).catch(() => undefined);
      throw err;
    }
    if (existing?.s3Key !== undefined && existing.s3Key !== key) {
      ctx.lease.assertHeld();
      await ctx.content.delete(existing.s3Key);
    }
    return { outcome: "downloaded", bytes: stored.bytes, key, item: current };
  });
}

/**
 * Deletes the item's row, then the content the row named as it was deleted (a consumer may have
 * committed newer content since the caller read it) and `alsoKey`, the key the caller read. Keys
 * are never named again once replaced, so deleting either is safe. Resolves with the deleted row.
 */
export async function deleteDocument(
  ctx: Pick<TransferContext, "siteId" | "documents" | "content" | "lease">,
  itemId: string,
  alsoKey?: string,
): Promise<DocumentRecord | undefined> {
  ctx.lease.assertHeld();
  const removed = await ctx.documents.delete(ctx.siteId, itemId, ctx.lease.fence);
  for (const key of new Set([removed?.s3Key, alsoKey])) {
    if (key === undefined) continue;
    ctx.lease.assertHeld();
    await ctx.content.delete(key);
  }
  return removed;
}

export function documentRecord(
  ctx: Pick<TransferContext, "siteId" | "roundId" | "clock">,
  item: DriveItem,
  kind: DocumentKind,
  path: string | undefined,
): DocumentRecord {
  return {
    siteId: ctx.siteId,
    itemId: item.id,
    kind,
    name: item.name,
    parentId: item.parentReference?.id ?? undefined,
    path,
    size: item.size,
    eTag: item.eTag,
    lastModified: item.lastModifiedDateTime,
    mimeType: item.file?.mimeType,
    hashes: item.file?.hashes,
    roundId: ctx.roundId,
    syncedAt: new Date(ctx.clock.now()).toISOString(),
  };
}
