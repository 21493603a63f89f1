// Applies ONE delta entry to S3 and the documents table. Every branch is idempotent, because after a
// crash the whole page is applied again, and an item may occur several times in a round.
import { contentKey } from "../content/content-store";
import type { DriveItem } from "../graph/drive-item";
import type { DocumentKind, DocumentRecord } from "../stores/document-store";
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
  return applyFile(ctx, item, existing);
}

async function applyDeletion(
  ctx: RoundContext,
  itemId: string,
  existing: DocumentRecord | undefined,
): Promise<ItemOutcome> {
  // No name on SharePoint deletions: what it was comes from our own record. Without a record we
  // still delete the key, in case a crash fell between an upload and its metadata write.
  if (existing === undefined || existing.kind === "file") {
    await ctx.content.delete(existing?.s3Key ?? contentKey(ctx.siteId, itemId));
  }
  if (existing !== undefined && existing.kind !== "file") {
    ctx.folders.delete(itemId);
    // Descendants normally come as deletions too; anything left under a gone folder is swept as an orphan.
    ctx.pathsDirty = true;
  }
  if (existing !== undefined) await ctx.documents.delete(ctx.siteId, itemId);
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
  const path = isRoot ? "" : ctx.folders.childPath(parentId, name);
  if (path === undefined) ctx.pathsDirty = true;
  if (existing !== undefined && existing.name === name && existing.parentId === parentId && existing.path === path) {
    await markSeen(ctx, existing);
    return "unchanged";
  }
  // A renamed or moved folder changes the path of everything below it, which Graph does not list.
  if (existing !== undefined) ctx.pathsDirty = true;
  await ctx.documents.put(record(ctx, item, kind, path));
  return "metadataOnly";
}

async function applyFile(
  ctx: RoundContext,
  listed: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<ItemResult> {
  if (existing?.kind === "file" && existing.cTag !== undefined && existing.cTag === listed.cTag) {
    const path = pathOrLater(ctx, listed, existing);
    if (existing.eTag === listed.eTag && existing.path === path) {
      await markSeen(ctx, existing);
      return { outcome: "unchanged", bytes: 0 };
    }
    // Renamed or moved: same bytes, new metadata.
    await ctx.documents.put({ ...record(ctx, listed, "file", path), s3Key: existing.s3Key });
    return { outcome: "metadataOnly", bytes: 0 };
  }

  if (ctx.downloads !== undefined) {
    // Fan-out: a consumer downloads it. Until then the old copy stays, and stays counted as seen (no sweep).
    if (existing !== undefined) await markSeen(ctx, existing);
    ctx.downloads.add({
      siteId: ctx.siteId,
      roundId: ctx.roundId,
      itemId: listed.id,
      eTag: listed.eTag,
      size: listed.size,
      path: pathOrLater(ctx, listed, existing),
    });
    return { outcome: "queued", bytes: 0 };
  }
  return transferFile(ctx, listed.id, listed.size, existing, (current) => pathOrLater(ctx, current, existing));
}

/**
 * Downloads a file into S3 and records it: the one transfer both the round and the fan-out consumer run.
 * Idempotent: the key is the item id, and the record describes what was actually uploaded.
 */
export async function transferFile(
  ctx: Pick<
    RoundContext,
    "siteId" | "roundId" | "graph" | "content" | "documents" | "abort" | "mode" | "folders" | "pathsDirty"
  >,
  itemId: string,
  size: number | undefined,
  existing: DocumentRecord | undefined,
  pathOf: (current: DriveItem) => string | undefined,
): Promise<ItemResult> {
  return ctx.content.withSlot(size, async (): Promise<ItemResult> => {
    const opened = await ctx.graph.openContent(ctx.siteId, itemId, ctx.abort);
    if (opened === undefined) {
      // Deleted since it was listed: whatever sits at its key (an upload that a crash cut off
      // before its metadata was written) is stale now, and Graph may never list this deletion to
      // a round that did not see the item complete.
      await applyDeletion(ctx as RoundContext, itemId, existing);
      return { outcome: "vanished", bytes: 0 };
    }
    // Describe what was actually uploaded: the item may have changed since it was listed.
    const current = opened.item;
    const key = contentKey(ctx.siteId, current.id);
    const bytes = await ctx.content.put(key, opened.body, {
      size: current.size,
      contentType: current.file?.mimeType,
      signal: ctx.abort,
    });
    await ctx.documents.put({ ...record(ctx, current, "file", pathOf(current)), s3Key: key });
    return { outcome: "downloaded", bytes };
  });
}

/**
 * The item's path from the folder map. While its folder chain is incomplete (the folder comes on a
 * later page) the stored path stands in, and the round recomputes paths before it completes.
 */
function pathOrLater(ctx: RoundContext, item: DriveItem, existing: DocumentRecord | undefined): string | undefined {
  const path = ctx.folders.childPath(item.parentReference?.id ?? undefined, item.name ?? "");
  if (path !== undefined) return path;
  ctx.pathsDirty = true;
  return existing?.path;
}

/** A full round stamps what it sees, so that its sweep can delete what it did not see. */
async function markSeen(ctx: RoundContext, existing: DocumentRecord): Promise<void> {
  if (ctx.mode === "full" && existing.roundId !== ctx.roundId)
    await ctx.documents.markSeen(ctx.siteId, existing.itemId, ctx.roundId);
}

function record(
  ctx: Pick<RoundContext, "siteId" | "roundId">,
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
    cTag: item.cTag,
    lastModified: item.lastModifiedDateTime,
    mimeType: item.file?.mimeType,
    hashes: item.file?.hashes,
    roundId: ctx.roundId,
    syncedAt: new Date().toISOString(),
  };
}
