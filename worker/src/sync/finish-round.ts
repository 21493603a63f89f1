// The end-of-round pass, between the last page and saving the deltaLink:
// - after a FULL round, delete everything the fresh listing did not return (rows not stamped with
//   this round's id, and their objects), so that a resync after a 410 leaves nothing stale behind;
// - when folders changed (or after a full round), recompute paths from the folder chain (Graph does
//   not list the descendants of a renamed or moved folder) and remove rows under deleted folders.
// It streams: one page of rows at a time with bounded parallelism, checking the stop signal and the
// lease between pages and recording how far it got, so it is bounded in memory at any library size
// and a SIGTERM leaves a checkpoint the next run continues from.
import { runPool } from "../runtime/pool";
import type { DocumentRecord } from "../stores/document-store";
import { deleteDocument } from "./content-commit";
import type { RoundContext } from "./round-context";

/** Rows per page of the pass: small enough that a page finishes within seconds of a stop. */
export const FINISH_PAGE_ROWS = 500;

export interface FinishReport {
  swept: number;
  pathsUpdated: number;
  orphans: number;
  /** Files kept by the pass (undefined when no pass ran). */
  liveFiles?: number;
  rows: number;
}

export function emptyFinishReport(): FinishReport {
  return { swept: 0, pathsUpdated: 0, orphans: 0, rows: 0 };
}

/** Whether the round needs the pass at all: an incremental round without folder changes does not. */
export function needsFinishPass(ctx: Pick<RoundContext, "mode" | "pathsDirty">): boolean {
  return ctx.mode === "full" || ctx.pathsDirty;
}

export async function finishRound(
  ctx: RoundContext,
  opts: {
    /** Continue after this itemId (a resumed pass). */
    from?: string;
    report: FinishReport;
    /** Called after each page with the last itemId handled: records progress. */
    onPage: (last: string, report: FinishReport) => Promise<void>;
    pageRows?: number;
    /** True once the chunk's time is up (`sync --max-duration`): the pass stops after a recorded page. */
    deadline?: () => boolean;
  },
): Promise<{ status: "completed" | "stopped" | "deadline" }> {
  const { report } = opts;
  report.liveFiles ??= 0;
  let after = opts.from;
  for (;;) {
    if (ctx.stop.aborted) return { status: "stopped" };
    if (opts.deadline?.()) return { status: "deadline" };
    ctx.lease.assertHeld();
    const page = await ctx.documents.page(ctx.siteId, { after, limit: opts.pageRows ?? FINISH_PAGE_ROWS });
    const done = await runPool(page.records, ctx.concurrency, (doc) => finishOne(ctx, doc, report));
    if (!done.completed) return { status: "stopped" };
    report.rows += page.records.length;
    ctx.onItemDone?.(0);
    if (page.last === undefined) return { status: "completed" };
    after = page.last;
    await opts.onPage(after, report);
  }
}

async function finishOne(ctx: RoundContext, doc: DocumentRecord, report: FinishReport): Promise<void> {
  if (doc.kind === "root") return;
  if (ctx.mode === "full" && doc.roundId !== ctx.roundId) {
    await removeDocument(ctx, doc);
    report.swept++;
    return;
  }
  const result = await ctx.folders.childPath(doc.parentId, doc.name ?? "", ctx.abort);
  if ("broken" in result) {
    // A folder of its chain no longer exists (Graph says 404): it went with a deleted folder.
    await removeDocument(ctx, doc);
    report.orphans++;
    ctx.logger.info(
      { item: { id: doc.itemId, path: doc.path }, missingFolder: result.broken },
      "removed a row whose folder no longer exists",
    );
    return;
  }
  if (doc.kind === "file") report.liveFiles = (report.liveFiles ?? 0) + 1;
  if (doc.path !== result.path) {
    ctx.lease.assertHeld();
    await ctx.documents.setPath(ctx.siteId, doc.itemId, result.path, ctx.lease.fence);
    report.pathsUpdated++;
  }
}

async function removeDocument(ctx: RoundContext, doc: DocumentRecord): Promise<void> {
  if (doc.kind !== "file") ctx.folders.delete(doc.itemId);
  await deleteDocument(ctx, doc.itemId, doc.s3Key);
}
