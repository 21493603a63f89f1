// One fan-out download task, done the way the round does its own downloads (sync/content-commit.ts):
// the same quickXorHash unchanged-check, a key of its own, the commit by the fenced document row
// naming the content it replaces, the old key deleted afterwards.
//
// A consumer holds no site lease. What stands in for it:
// - the task carries the producer's fence, and the consumer writes with it: once a newer lease holder
//   has written the row, a task of an older round is refused (LeaseLostError) and dropped as stale;
// - the commit is conditioned on the row still naming the content the consumer read before its
//   download, so of two consumers of the same item (duplicate tasks, a redelivery while the first is
//   still slow) only the first commit lands; the other removes its upload and, unless the row now
//   holds what its task asked for, lets SQS deliver the task again, which then starts from the row as
//   it is;
// - deletions are the producer's: it applies a page that deletes only once the queue has drained
//   (sync/apply-page.ts), and a deleted row fails every later commit against it.
// Idempotent by item id and eTag: a task whose content the row already holds is only acknowledged.
import type { Logger } from "pino";
import { itemPrefix } from "../content/content-store";
import type { Clock } from "../runtime/clock";
import type { LeaseGuard } from "../runtime/lease-keeper";
import type { DocumentRecord } from "../stores/document-store";
import { ContentChangedError, LeaseLostError } from "../stores/errors";
import { deleteDocument, sameContent, transferFile, type TransferContext } from "../sync/content-commit";
import type { ContentStorePort, DocumentStorePort, GraphSource, QuarantineStorePort } from "../sync/ports";
import type { DownloadTask } from "./download-queue";

export type TaskOutcome =
  /** Downloaded and committed. */
  | "downloaded"
  /** The row already held the task's content (a repeat, or another task got there first). */
  | "skipped"
  /** The file no longer exists: its row and content were removed. */
  | "vanished"
  /** A newer lease holder owns the row: this task belongs to an older round and changed nothing. */
  | "stale";

export interface ConsumerDeps {
  readonly graph: Pick<GraphSource, "openContent">;
  readonly documents: DocumentStorePort;
  readonly content: ContentStorePort;
  readonly quarantine: QuarantineStorePort;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Fires when in-flight work must be abandoned (shutdown). */
  readonly abort: AbortSignal;
  readonly counters: { hashMismatches: number };
}

export interface Delivery {
  /** SQS's ApproximateReceiveCount: above 1, an earlier delivery may have been cut off mid-way. */
  readonly receiveCount: number;
  /** SQS moves the task to the dead-letter queue if this delivery fails too. */
  readonly last: boolean;
}

/** The fence the task carries, in the shape the shared transfer expects of a lease. */
function taskFence(task: DownloadTask, abort: AbortSignal): LeaseGuard {
  return {
    fence: task.fence,
    lost: abort,
    assertHeld: () => abort.throwIfAborted(),
  };
}

/** Does the task; throws when it failed and SQS should deliver it again. */
export async function consumeTask(deps: ConsumerDeps, task: DownloadTask, delivery: Delivery): Promise<TaskOutcome> {
  const ctx: TransferContext = {
    siteId: task.siteId,
    roundId: task.roundId,
    graph: deps.graph,
    documents: deps.documents,
    content: deps.content,
    lease: taskFence(task, deps.abort),
    abort: deps.abort,
    clock: deps.clock,
    logger: deps.logger,
    counters: deps.counters,
  };
  // On its last delivery the item goes into quarantine first, so that even a consumer killed during
  // this attempt leaves it listed; success takes it out again.
  if (delivery.last)
    await recordFailure(deps, task, "its earlier deliveries failed (see the consumer logs)", delivery.receiveCount - 1);
  let outcome: TaskOutcome;
  try {
    outcome = await attempt(deps, ctx, task);
  } catch (err) {
    if (err instanceof LeaseLostError) outcome = "stale";
    else {
      if (delivery.last) await recordFailure(deps, task, (err as Error).message ?? String(err), 1);
      throw err;
    }
  }
  if (outcome === "stale") {
    deps.logger.info(
      { task: { itemId: task.itemId, fence: task.fence } },
      `task for item ${task.itemId} (${task.path ?? "path unknown"}) is from an older round: a newer lease holder owns its row; dropped`,
    );
    return outcome;
  }
  // An earlier delivery may have uploaded and died before its commit, or committed and died before
  // deleting the content it replaced.
  if (delivery.receiveCount > 1) await removeSuperseded(ctx, task.itemId);
  if (task.quarantined || delivery.last) await leaveQuarantine(deps, task);
  return outcome;
}

async function attempt(deps: ConsumerDeps, ctx: TransferContext, task: DownloadTask): Promise<TaskOutcome> {
  const listed = {
    size: task.size,
    eTag: task.eTag,
    file: task.quickXorHash === undefined ? undefined : { hashes: { quickXorHash: task.quickXorHash } },
  };
  const existing = (await deps.documents.getMany(task.siteId, [task.itemId])).get(task.itemId);
  if (holds(existing, listed)) {
    // A 410 resync's round stamps what it sees; a repeat of its task must not leave the row looking unseen.
    if (existing!.roundId !== task.roundId)
      await deps.documents.markSeen(task.siteId, task.itemId, task.roundId, task.fence);
    return "skipped";
  }
  try {
    const result = await transferFile(ctx, task.itemId, task.size, existing, task.path ?? existing?.path, async () =>
      Promise.resolve(task.path ?? existing?.path),
    );
    if (result.outcome === "downloaded") return "downloaded";
    if (existing !== undefined) await deleteDocument(ctx, task.itemId, existing.s3Key);
    return "vanished";
  } catch (err) {
    if (!(err instanceof ContentChangedError)) throw err;
    // Someone committed (or the round deleted the row) after our read; our upload is already removed.
    const now = err.current;
    if (now === undefined) return "vanished";
    if (now.fence !== undefined && now.fence > task.fence) return "stale";
    if (holds(now as DocumentRecord, listed)) return "skipped";
    throw new Error(
      `item ${task.itemId} (${task.path ?? "path unknown"}) was committed by another writer while this task downloaded it, with other content; SQS delivers the task again`,
      { cause: err },
    );
  }
}

/** Whether the row already holds the content the task was listed with (same eTag, or same quickXorHash and size). */
function holds(
  row: DocumentRecord | undefined,
  listed: { size?: number; eTag?: string; file?: { hashes: { quickXorHash: string } } },
): boolean {
  if (row?.kind !== "file" || row.s3Key === undefined) return false;
  return (listed.eTag !== undefined && row.eTag === listed.eTag) || sameContent(row, listed);
}

/**
 * Removes the item's objects that were written before the content the row names. Safe at any time:
 * whoever wrote such an object read the row before the current content was committed, so its own
 * commit can only fail (its `ifContent` no longer matches), and no row names a replaced key again.
 */
async function removeSuperseded(ctx: TransferContext, itemId: string): Promise<void> {
  const row = (await ctx.documents.getMany(ctx.siteId, [itemId])).get(itemId);
  if (row?.s3Key === undefined) return;
  const objects: Array<{ key: string; lastModified: number }> = [];
  for await (const object of ctx.content.list(itemPrefix(ctx.siteId, itemId), ctx.abort)) objects.push(object);
  const current = objects.find((o) => o.key === row.s3Key);
  if (current === undefined) return;
  for (const object of objects) {
    if (object.key === current.key || object.lastModified >= current.lastModified) continue;
    await ctx.content.delete(object.key);
    ctx.logger.info(
      { item: { id: itemId, path: row.path }, key: object.key },
      "removed an object an earlier delivery left",
    );
  }
}

async function recordFailure(deps: ConsumerDeps, task: DownloadTask, error: string, attempts: number): Promise<void> {
  try {
    await deps.quarantine.record(
      task.siteId,
      { itemId: task.itemId, path: task.path, error: `download task: ${error}`, attempts, roundId: task.roundId },
      task.fence,
    );
  } catch (err) {
    // A newer round owns the entry: it decides about this item now.
    if (!(err instanceof LeaseLostError)) throw err;
  }
}

async function leaveQuarantine(deps: ConsumerDeps, task: DownloadTask): Promise<void> {
  try {
    await deps.quarantine.clear(task.siteId, task.itemId, task.fence);
  } catch (err) {
    if (!(err instanceof LeaseLostError)) throw err;
  }
}
