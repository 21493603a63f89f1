// Applies ONE delta entry to S3 and the documents table. Every branch is idempotent, because after a
// crash the whole page is applied again, and an item may occur several times in a round.
//
// Content is committed by the fenced row write (content-commit.ts, shared with the fan-out
// consumer): a download goes to a key no one else uses, the row is then pointed at it (refused if a
// newer lease holder wrote the row, or if someone else committed first), and only after that is the
// previous content deleted. A crash between any two steps leaves, at worst, an object no row names,
// which the redone page removes (`ctx.redoing`). With fan-out, a file to download becomes a task for
// the consumers instead, carrying this round's fence.
import { fenceOfKey, itemPrefix } from "../content/content-store";
import type { DriveItem } from "../graph/drive-item";
import { ContentChangedError } from "../stores/errors";
import type { DocumentKind, DocumentRecord } from "../stores/document-store";
import { deleteDocument, documentRecord, sameContent, transferFile } from "./content-commit";
import { forItem } from "./item-failure";
import type { RoundContext } from "./round-context";

export type ItemOutcome = "downloaded" | "metadataOnly" | "unchanged" | "deleted" | "vanished" | "queued";

export interface ItemResult {
  readonly outcome: ItemOutcome;
  /** Content bytes uploaded (0 unless downloaded). */
  readonly bytes: number;
}

export async function applyItem(
  ctx: RoundContext,
  item: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<ItemResult> {
  if (item.deleted !== undefined) return { outcome: await applyDeletion(ctx, item.id, existing), bytes: 0 };
  if (item.root !== undefined || item.folder !== undefined)
    return { outcome: await applyFolder(ctx, item, existing), bytes: 0 };
  try {
    return await applyFile(ctx, item, existing);
  } catch (err) {
    // A fan-out consumer committed between this page's read and our write: decide again on the row as it is now.
    if (!(err instanceof ContentChangedError)) throw err;
    const now = (await ctx.documents.getMany(ctx.siteId, [item.id])).get(item.id);
    return applyFile(ctx, item, now);
  }
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
  if (existing !== undefined) await deleteDocument(ctx, itemId, existing.s3Key);
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
  await ctx.documents.put(documentRecord(ctx, item, kind, path), ctx.lease.fence);
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
    // Renamed or moved: same bytes, new metadata (on condition that no consumer committed meanwhile).
    ctx.lease.assertHeld();
    await ctx.documents.put(
      { ...documentRecord(ctx, listed, "file", path), s3Key: existing.s3Key, hashMismatch: existing.hashMismatch },
      ctx.lease.fence,
      { ifContent: existing.s3Key },
    );
    return { outcome: "metadataOnly", bytes: 0 };
  }
  if (ctx.downloads !== undefined) return queueDownload(ctx, listed, existing);

  const describe = existing?.path ?? ctx.folders.knownPath(listed.parentReference?.id ?? undefined, listed.name ?? "");
  const result = await transferFile(ctx, listed.id, listed.size, existing, describe, (current) =>
    pathOf(ctx, current, existing),
  );
  if (result.outcome === "vanished") {
    // Deleted since it was listed: remove it now, as Graph may never list this deletion to a
    // round that did not see the item complete.
    await applyDeletion(ctx, listed.id, existing);
    return { outcome: "vanished", bytes: 0 };
  }
  if (ctx.redoing) await removeLeftovers(ctx, listed.id, result.key);
  return { outcome: "downloaded", bytes: result.bytes };
}

/**
 * Fan-out: a consumer downloads the file and commits it with this round's fence. Until then the old
 * row and content stay, stamped as seen so that a full round's sweep keeps them.
 */
async function queueDownload(
  ctx: RoundContext,
  listed: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<ItemResult> {
  const path = await pathOf(ctx, listed, existing);
  if (existing !== undefined) await markSeen(ctx, existing);
  ctx.lease.assertHeld();
  ctx.downloads!.add({
    siteId: ctx.siteId,
    roundId: ctx.roundId,
    itemId: listed.id,
    eTag: listed.eTag,
    size: listed.size,
    path,
    fence: ctx.lease.fence,
    quickXorHash: listed.file?.hashes?.quickXorHash,
    ...(ctx.quarantined.has(listed.id) ? { quarantined: true } : {}),
  });
  return { outcome: "queued", bytes: 0 };
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
  for await (const { key } of ctx.content.list(itemPrefix(ctx.siteId, itemId), ctx.abort)) {
    const writer = fenceOfKey(key);
    // A key of a newer holder is never ours to touch.
    if (key === keep || (writer !== undefined && writer > ctx.lease.fence)) continue;
    await deleteObject(ctx, key);
    ctx.counters.leftoversRemoved++;
  }
}
