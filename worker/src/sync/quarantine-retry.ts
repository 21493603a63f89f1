// Quarantined items are tried again near the end of every round (a later round's delta listing may
// never mention them again): fetched as they are now, applied like a listed item, and released from
// quarantine when they succeed. Bounded per round, so a long quarantine list cannot stall a round.
import { runPool } from "../runtime/pool";
import type { QuarantineEntry } from "../stores/quarantine-store";
import { applyWithRetries } from "./apply-page";
import { forItem, ItemFailure } from "./item-failure";
import type { RoundContext } from "./round-context";

export const MAX_QUARANTINE_RETRIES_PER_ROUND = 100;

export async function retryQuarantined(ctx: RoundContext, entries: readonly QuarantineEntry[]): Promise<void> {
  // Items quarantined by this very round have just had their attempts.
  const due = entries.filter((e) => e.roundId !== ctx.roundId).slice(0, MAX_QUARANTINE_RETRIES_PER_ROUND);
  // A run that stopped during an earlier retry may have left an upload no row names, and no redone page will ever
  // list this item again: each retried item is applied as on a redone page, which removes such leftovers. Only this
  // round's own retries run now (fan-out tasks have drained), and at most a hundred, so the listing costs little.
  const redoing = ctx.redoing;
  ctx.redoing = true;
  try {
    await retryDue(ctx, due);
  } finally {
    ctx.redoing = redoing;
  }
}

async function retryDue(ctx: RoundContext, due: readonly QuarantineEntry[]): Promise<void> {
  await runPool(
    due,
    ctx.concurrency,
    async (entry) => {
      const existing = (await ctx.documents.getMany(ctx.siteId, [entry.itemId])).get(entry.itemId);
      let item;
      try {
        item = await forItem(entry.itemId, entry.path, () => ctx.graph.getItem(ctx.siteId, entry.itemId, ctx.abort));
      } catch (err) {
        if (!(err instanceof ItemFailure) || ctx.abort.aborted) throw err;
        ctx.lease.assertHeld();
        await ctx.quarantine.record(
          ctx.siteId,
          { itemId: entry.itemId, path: entry.path, error: err.message, attempts: 1, roundId: ctx.roundId },
          ctx.lease.fence,
        );
        return;
      }
      // Gone from the library meanwhile: applied as a deletion, which releases it.
      await applyWithRetries(ctx, item ?? { id: entry.itemId, deleted: {} }, existing);
    },
    ctx.stop,
  );
}
