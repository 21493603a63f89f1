// Applies one delta page with bounded parallelism. The page counts as durable only when EVERY item
// of it is applied or quarantined: the caller writes the checkpoint after this resolves with
// completed = true. An item that keeps failing for a reason of its own (ItemFailure) is quarantined
// after `ctx.itemAttempts` attempts, so one bad file cannot hold the whole library back; any other
// failure (the stores, a lost lease) fails the page, and the next run redoes it.
import { backOff } from "exponential-backoff";
import type { DriveItem } from "../graph/drive-item";
import { runPool } from "../runtime/pool";
import { LeaseLostError } from "../stores/errors";
import type { DocumentRecord } from "../stores/document-store";
import { applyItem, type ItemResult } from "./apply-item";
import { ItemFailure } from "./item-failure";
import type { RoundContext } from "./round-context";

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
  // Fan-out: a deletion, and the leftover removal of a redone page, must not race a consumer still
  // committing an earlier task for the same item. Such a page waits until every task sent before it
  // is done, which orders deletions after downloads as the round itself does.
  if (ctx.downloads !== undefined && (ctx.redoing || unique.some((i) => i.deleted !== undefined))) {
    await ctx.downloads.flush();
    try {
      await ctx.downloads.drained(ctx.stop);
    } catch (err) {
      if (ctx.stop.aborted) return { completed: false };
      throw err;
    }
  }
  const existing = await ctx.documents.getMany(
    ctx.siteId,
    unique.map((i) => i.id),
  );
  // Folders first: files of this page then find their folder chain (Graph does not order parents first).
  const isFolder = (i: DriveItem) => i.deleted === undefined && (i.folder !== undefined || i.root !== undefined);
  const run = (item: DriveItem) => applyWithRetries(ctx, item, existing.get(item.id));
  const folders = await runPool(unique.filter(isFolder), ctx.concurrency, run, ctx.stop);
  if (!folders.completed) return { completed: false };
  return runPool(
    unique.filter((i) => !isFolder(i)),
    ctx.concurrency,
    run,
    ctx.stop,
  );
}

/** One item, retried; quarantined when it keeps failing for a reason of its own. */
export async function applyWithRetries(
  ctx: RoundContext,
  item: DriveItem,
  existing: DocumentRecord | undefined,
): Promise<"applied" | "quarantined"> {
  let attempts = 0;
  let result: ItemResult;
  try {
    result = await backOff(
      () => {
        attempts++;
        return applyItem(ctx, item, existing);
      },
      {
        numOfAttempts: ctx.itemAttempts,
        startingDelay: ctx.retryDelayMs,
        jitter: "full",
        retry: (err: unknown) => {
          if (ctx.abort.aborted || err instanceof LeaseLostError) return false;
          ctx.counters.itemRetries++;
          return true;
        },
      },
    );
  } catch (err) {
    if (!(err instanceof ItemFailure) || ctx.abort.aborted) {
      // Not the item's own fault (a store, the lease, a shutdown): the page fails, but the log still
      // says which item it was working on.
      if (!ctx.abort.aborted && !(err instanceof LeaseLostError)) {
        const path = existing?.path ?? item.name;
        ctx.logger.error(
          { item: { id: item.id, path }, err },
          `item ${item.id} (${path ?? "path unknown"}) failed: ${(err as Error).message}`,
        );
      }
      throw err;
    }
    await quarantine(ctx, err, attempts);
    ctx.counters.items++;
    ctx.onItemDone?.(0);
    return "quarantined";
  }
  ctx.counters[result.outcome]++;
  ctx.counters.items++;
  ctx.counters.bytes += result.bytes;
  ctx.onItemDone?.(result.bytes);
  // A queued download leaves quarantine when its consumer commits it.
  if (ctx.quarantined.has(item.id) && result.outcome !== "queued") {
    ctx.lease.assertHeld();
    await ctx.quarantine.clear(ctx.siteId, item.id, ctx.lease.fence);
    ctx.quarantined.delete(item.id);
    ctx.counters.released++;
    ctx.logger.info({ item: { id: item.id } }, `item ${item.id} succeeded and left quarantine`);
  }
  return "applied";
}

async function quarantine(ctx: RoundContext, failure: ItemFailure, attempts: number): Promise<void> {
  ctx.lease.assertHeld();
  const entry = await ctx.quarantine.record(
    ctx.siteId,
    { itemId: failure.itemId, path: failure.path, error: failure.message, attempts, roundId: ctx.roundId },
    ctx.lease.fence,
  );
  ctx.quarantined.add(failure.itemId);
  ctx.counters.quarantined++;
  ctx.logger.error(
    { item: { id: failure.itemId, path: entry.path }, attempts: entry.attempts, err: failure.cause },
    `quarantined after ${attempts} failed attempts this round (${entry.attempts} in all): ${failure.message}`,
  );
}
