// The work between the last page and saving the deltaLink:
// - after a FULL round, delete everything the fresh listing did not return (documents not stamped
//   with this round's id), so that a resync after a 410 leaves nothing stale behind;
// - when folders changed, recompute paths from the folder chain (Graph does not list the
//   descendants of a renamed or moved folder) and remove orphans left under deleted folders.
import { contentKey } from "../content/content-store";
import type { DocumentRecord } from "../stores/document-store";
import { FolderMap, folderEntryOf } from "./folder-map";
import type { RoundContext } from "./round-context";

export interface FinishReport {
  swept: number;
  pathsUpdated: number;
  orphans: number;
  liveFiles: number;
}

export async function finishRound(ctx: RoundContext): Promise<FinishReport> {
  const report: FinishReport = { swept: 0, pathsUpdated: 0, orphans: 0, liveFiles: 0 };
  const survivors: DocumentRecord[] = [];
  for await (const doc of ctx.documents.all(ctx.siteId)) {
    if (ctx.mode === "full" && doc.roundId !== ctx.roundId) {
      await removeDocument(ctx, doc);
      report.swept++;
    } else {
      survivors.push(doc);
    }
  }
  if (!ctx.pathsDirty && ctx.mode !== "full") {
    report.liveFiles = survivors.filter((d) => d.kind === "file").length;
    return report;
  }
  const folders = new FolderMap();
  for (const doc of survivors) {
    if (doc.kind !== "file") folders.set(doc.itemId, folderEntryOf(doc));
  }
  // Without the root every chain looks broken: never take that for a library of orphans.
  const rootKnown = survivors.some((d) => d.kind === "root");
  for (const doc of survivors) {
    if (doc.kind === "root") continue;
    const path = folders.childPath(doc.parentId, doc.name ?? "");
    if (path === undefined && !rootKnown) continue;
    if (path === undefined) {
      // Its folder chain ends in a folder that no longer exists: it went with a deleted folder.
      await removeDocument(ctx, doc);
      report.orphans++;
      continue;
    }
    if (doc.kind === "file") report.liveFiles++;
    if (doc.path !== path) {
      await ctx.documents.setPath(ctx.siteId, doc.itemId, path);
      report.pathsUpdated++;
    }
  }
  return report;
}

async function removeDocument(ctx: RoundContext, doc: DocumentRecord): Promise<void> {
  if (doc.kind === "file") await ctx.content.delete(doc.s3Key ?? contentKey(ctx.siteId, doc.itemId));
  await ctx.documents.delete(ctx.siteId, doc.itemId);
}
