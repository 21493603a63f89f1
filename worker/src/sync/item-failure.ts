// An item that could not be applied for a reason that belongs to the item (Graph refused or cut its
// download, its listing is unreadable), as opposed to the run's own stores failing. Such items are
// retried a few times, then quarantined so that the round can complete. Every message names the
// item's id and path.
export class ItemFailure extends Error {
  constructor(
    readonly itemId: string,
    readonly path: string | undefined,
    cause: unknown,
  ) {
    super(`item ${itemId} (${path ?? "path unknown"}): ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "ItemFailure";
  }
}

/** Runs a step that talks to Graph about one item, naming the item in whatever it throws. */
export async function forItem<T>(itemId: string, path: string | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ItemFailure) throw err;
    throw new ItemFailure(itemId, path, err);
  }
}
