// Applies one delta page with bounded parallelism. The page counts as durable only when EVERY item
// of it is: the caller writes the checkpoint after this resolves with completed = true.
import { backOff } from "exponential-backoff";
import type { DriveItem } from "../graph/drive-item";
import { runPool } from "../runtime/pool";
import { applyItem } from "./apply-item";
import type { RoundContext } from "./round-context";

/** Attempts per item before the page (and so the run) fails; Graph-level retries happen below this. */
const ITEM_ATTEMPTS = 3;

/** Graph may list an item several times in a round: the last occurrence is the current one. */
export function lastOccurrences(items: readonly DriveItem[]): DriveItem[] {
  const last = new Map<string, DriveItem>();
  for (const item of items) {
    last.delete(item.id);
    last.set(item.id, item);
  }
  return [...last.values()];
}

export async function applyPage(ctx: RoundContext, items: readonly DriveItem[]): Promise<{ completed: boolean }> {
  const unique = lastOccurrences(items);
  const existing = await ctx.documents.getMany(
    ctx.siteId,
    unique.map((i) => i.id),
  );
  // Folders first: files of this page then find their folder chain (Graph does not order parents first).
  const isFolder = (i: DriveItem) => i.deleted === undefined && (i.folder !== undefined || i.root !== undefined);
  const run = async (item: DriveItem) => {
    const { outcome, bytes } = await backOff(() => applyItem(ctx, item, existing.get(item.id)), {
      numOfAttempts: ITEM_ATTEMPTS,
      startingDelay: 250,
      jitter: "full",
      retry: () => {
        if (ctx.abort.aborted) return false;
        ctx.counters.itemRetries++;
        return true;
      },
    });
    ctx.counters[outcome]++;
    ctx.counters.items++;
    ctx.counters.bytes += bytes;
    ctx.onItemDone?.(bytes);
  };
  const folders = await runPool(unique.filter(isFolder), ctx.concurrency, run, ctx.stop);
  if (!folders.completed) return { completed: false };
  return runPool(
    unique.filter((i) => !isFolder(i)),
    ctx.concurrency,
    run,
    ctx.stop,
  );
}
