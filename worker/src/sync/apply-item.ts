// Applies ONE delta entry to S3 and the documents table. Every branch is idempotent, because after a
// crash the whole page is applied again, and an item may occur several times in a round.
//
// Content is committed by the fenced row write: a download goes to a key no one else uses, the row
// is then pointed at it (refused if a newer lease holder wrote the row), and only after that is the
// previous content deleted. A crash between any two steps leaves, at worst, an object no row names,
// which the redone page removes (`ctx.redoing`).
import { fenceOfKey, itemPrefix, newContentKey, SourceStreamError } from "../content/content-store";
import type { DriveItem } from "../graph/drive-item";
import { linkedAbort } from "../runtime/linked-abort";
import { LeaseLostError } from "../stores/errors";
import type { DocumentKind, DocumentRecord } from "../stores/document-store";
import { forItem, ItemFailure } from "./item-failure";
import type { RoundContext } from "./round-context";

export type ItemOutcome = "downloaded" | "metadataOnly" | "unchanged" | "deleted" | "vanished";

export interface ItemResult {
  readonly outcome: ItemOutcome;
  /** Content bytes uploaded (0 unless downloaded). */
  readonly bytes: number;
}

/** Hashes Graph may send, compared in this order; SharePoint sends only quickXorHash. */
const CONTENT_HASHES = ["quickXorHash", "sha256Hash", "sha1Hash"] as const;

/**
 * Whether a stored file still has the listed content. SharePoint's delta items carry no cTag, so
 * this is decided from a hash both sides have plus the size, and from the eTag when there is none
 * (Graph leaves out hashes it has not computed yet).
 */
export function sameContent(stored: DocumentRecord, listed: DriveItem): boolean {
  if (stored.size !== listed.size) return false;
  for (const name of CONTENT_HASHES) {
    const before = stored.hashes?.[name];
    const now = listed.file?.hashes?.[name];
    if (before !== undefined && now !== undefined)
      return name === "quickXorHash" ? before === now : before.toUpperCase() === now.toUpperCase();
  }
  return stored.eTag !== undefined && stored.eTag === listed.eTag;
}

export async function applyItem(
  ctx: RoundContext,
  item: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<ItemResult> {
  if (item.deleted !== undefined) return { outcome: await applyDeletion(ctx, item.id, existing), bytes: 0 };
  if (item.root !== undefined || item.folder !== undefined)
    return { outcome: await applyFolder(ctx, item, existing), bytes: 0 };
  return applyFile(ctx, item, existing);
}

async function applyDeletion(
  ctx: RoundContext,
  itemId: string,
  existing: DocumentRecord | undefined,
): Promise<ItemOutcome> {
  // No name on SharePoint deletions: what it was comes from our own record.
  if (existing !== undefined && existing.kind !== "file") {
    ctx.folders.delete(itemId);
    // Descendants normally come as deletions too; anything left under a gone folder is swept as an orphan.
    ctx.pathsDirty = true;
  }
  // The row goes first, so that no row ever names a deleted object.
  if (existing !== undefined) {
    ctx.lease.assertHeld();
    await ctx.documents.delete(ctx.siteId, itemId, ctx.lease.fence);
  }
  if (existing?.kind === "file" && existing.s3Key !== undefined) await deleteObject(ctx, existing.s3Key);
  // Without a record (or on a redone page) an upload a crash cut off may still sit under the item.
  if (existing === undefined || (existing.kind === "file" && ctx.redoing)) await removeLeftovers(ctx, itemId);
  return "deleted";
}

async function applyFolder(
  ctx: RoundContext,
  item: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<ItemOutcome> {
  const isRoot = item.root !== undefined;
  const kind: DocumentKind = isRoot ? "root" : "folder";
  const name = item.name ?? "";
  const parentId = item.parentReference?.id ?? undefined;
  ctx.folders.set(item.id, { name, parentId, isRoot });
  const path = isRoot ? "" : await pathOf(ctx, item, existing);
  if (existing !== undefined && existing.name === name && existing.parentId === parentId && existing.path === path) {
    await markSeen(ctx, existing);
    return "unchanged";
  }
  // A renamed or moved folder changes the path of everything below it, which Graph does not list.
  if (existing !== undefined) ctx.pathsDirty = true;
  ctx.lease.assertHeld();
  await ctx.documents.put(record(ctx, item, kind, path), ctx.lease.fence);
  return "metadataOnly";
}

async function applyFile(
  ctx: RoundContext,
  listed: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<ItemResult> {
  if (existing?.kind === "file" && existing.s3Key !== undefined && sameContent(existing, listed)) {
    const path = await pathOf(ctx, listed, existing);
    if (ctx.redoing) await removeLeftovers(ctx, listed.id, existing.s3Key);
    const parentId = listed.parentReference?.id ?? undefined;
    if (existing.eTag === listed.eTag && existing.path === path && existing.parentId === parentId) {
      await markSeen(ctx, existing);
      return { outcome: "unchanged", bytes: 0 };
    }
    // Renamed or moved: same bytes, new metadata.
    ctx.lease.assertHeld();
    await ctx.documents.put(
      { ...record(ctx, listed, "file", path), s3Key: existing.s3Key, hashMismatch: existing.hashMismatch },
      ctx.lease.fence,
    );
    return { outcome: "metadataOnly", bytes: 0 };
  }

  return ctx.content.withSlot(listed.size, async (): Promise<ItemResult> => {
    const describe =
      existing?.path ?? ctx.folders.knownPath(listed.parentReference?.id ?? undefined, listed.name ?? "");
    const opened = await forItem(listed.id, describe, () => ctx.graph.openContent(ctx.siteId, listed.id, ctx.abort));
    if (opened === undefined) {
      // Deleted since it was listed: remove it now, as Graph may never list this deletion to a
      // round that did not see the item complete.
      await applyDeletion(ctx, listed.id, existing);
      return { outcome: "vanished", bytes: 0 };
    }
    // Describe what was actually uploaded: the item may have changed since it was listed.
    const current = opened.item;
    const path = await pathOf(ctx, current, existing);
    const key = newContentKey(ctx.siteId, current.id, ctx.lease.fence);
    ctx.lease.assertHeld();
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
      await ctx.documents.put({ ...record(ctx, current, "file", path), s3Key: key, hashMismatch }, ctx.lease.fence);
    } catch (err) {
      // Not committed: the upload is ours alone (its key is unique), so removing it is always safe.
      if (err instanceof LeaseLostError) await ctx.content.delete(key).catch(() => undefined);
      throw err;
    }
    if (existing?.s3Key !== undefined && existing.s3Key !== key) await deleteObject(ctx, existing.s3Key);
    if (ctx.redoing) await removeLeftovers(ctx, current.id, key);
    return { outcome: "downloaded", bytes: stored.bytes };
  });
}

/**
 * The item's path from the folder chain, looking unknown folders up in Graph. When a folder of the
 * chain is gone, the stored path stands in and the round re-checks paths before it completes.
 */
async function pathOf(
  ctx: RoundContext,
  item: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<string | undefined> {
  const parentId = item.parentReference?.id ?? undefined;
  const result = await forItem(item.id, existing?.path, () =>
    ctx.folders.childPath(parentId, item.name ?? "", ctx.abort),
  );
  if ("path" in result) return result.path;
  ctx.pathsDirty = true;
  return existing?.path;
}

/** A full round stamps what it sees, so that its sweep can delete what it did not see. */
async function markSeen(ctx: RoundContext, existing: DocumentRecord): Promise<void> {
  if (ctx.mode === "full" && existing.roundId !== ctx.roundId) {
    ctx.lease.assertHeld();
    await ctx.documents.markSeen(ctx.siteId, existing.itemId, ctx.roundId, ctx.lease.fence);
  }
}

async function deleteObject(ctx: RoundContext, key: string): Promise<void> {
  ctx.lease.assertHeld();
  await ctx.content.delete(key);
}

/** Removes objects under the item no row names (uploads an interrupted run left), except `keep`. */
export async function removeLeftovers(ctx: RoundContext, itemId: string, keep?: string): Promise<void> {
  for await (const key of ctx.content.list(itemPrefix(ctx.siteId, itemId), ctx.abort)) {
    const writer = fenceOfKey(key);
    // A key of a newer holder is never ours to touch.
    if (key === keep || (writer !== undefined && writer > ctx.lease.fence)) continue;
    await deleteObject(ctx, key);
    ctx.counters.leftoversRemoved++;
  }
}

function record(ctx: RoundContext, item: DriveItem, kind: DocumentKind, path: string | undefined): DocumentRecord {
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
