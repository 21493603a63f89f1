// One delta round, the two-table pattern:
// - state holds the deltaLink of the last COMPLETED round; the checkpoint holds the in-progress
//   round (nextLink + counters), written when the round starts and after each page's items are durable;
// - a round in progress resumes from the checkpoint's nextLink, never from the deltaLink, and the
//   first page it applies is treated as one an interrupted run may have left half done;
// - after the last page: quarantined items of earlier rounds are tried again, the checkpoint moves
//   to the "finishing" phase with the deltaLink, the end-of-round pass runs (resumable from the
//   checkpoint), then the deltaLink is saved, THEN the checkpoint cleared;
// - 410 Gone on the deltaLink or on a nextLink restarts the round as a full resync;
// - `deadline` (sync --max-duration): after at least one durable page of this run, the round stops at
//   the next page boundary (or between pages of the end-of-round pass) with status "deadline";
// - fan-out (`downloads`): each page's download tasks are sent before its checkpoint, and the round
//   waits for the queue to drain before the end-of-round pass, so the deltaLink is saved only once
//   every download of the round is committed.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { DeltaPage } from "../graph/drive-item";
import { ResyncRequiredError, redact } from "../graph/errors";
import { systemClock, type Clock } from "../runtime/clock";
import type { LeaseGuard } from "../runtime/lease-keeper";
import { linkedAbort } from "../runtime/linked-abort";
import type { Progress } from "../runtime/progress";
import type { Checkpoint, RoundMode } from "../stores/checkpoint-store";
import type { SyncState } from "../stores/state-store";
import { applyPage } from "./apply-page";
import { emptyFinishReport, finishRound, needsFinishPass, type FinishReport } from "./finish-round";
import { FolderMap } from "./folder-map";
import { FolderResolver } from "./folder-resolver";
import type {
  CheckpointStorePort,
  ContentStorePort,
  DocumentStorePort,
  GraphSource,
  DownloadQueuePort,
  QuarantineStorePort,
  StateStorePort,
} from "./ports";
import { retryQuarantined } from "./quarantine-retry";
import { emptyCounters, type RoundContext, type RoundCounters } from "./round-context";

/** A library that answers 410 to its own fresh full listing this often is broken, not stale. */
const MAX_RESYNCS_PER_RUN = 3;
export const DEFAULT_ITEM_ATTEMPTS = 3;

export interface RoundDeps {
  readonly siteId: string;
  readonly lease: LeaseGuard;
  readonly graph: GraphSource;
  readonly documents: DocumentStorePort;
  readonly checkpoints: CheckpointStorePort;
  readonly state: StateStorePort;
  readonly content: ContentStorePort;
  readonly quarantine: QuarantineStorePort;
  readonly concurrency: number;
  readonly stop: AbortSignal;
  readonly abort: AbortSignal;
  readonly logger: Logger;
  readonly progress?: Progress;
  readonly clock?: Clock;
  /** Attempts per item before it is quarantined (default 3), and the first retry delay (default 250 ms). */
  readonly itemAttempts?: number;
  readonly retryDelayMs?: number;
  /** Rows per page of the end-of-round pass. */
  readonly finishPageRows?: number;
  /** Called whenever the round makes progress (the watchdog listens). */
  readonly onProgress?: () => void;
  /** Chunk deadline (`sync --max-duration`): honoured at durable points, after at least one page of this run. */
  readonly deadline?: AbortSignal;
  /** Fan-out: downloads go to this queue; the round completes only after it drains. */
  readonly downloads?: DownloadQueuePort;
}

export interface RoundResult {
  /** `deadline`: stopped at a durable point because the chunk's time was up; work is left. */
  readonly status: "completed" | "stopped" | "deadline";
  readonly mode: RoundMode;
  readonly roundId: string;
  readonly resumed: boolean;
  readonly resyncs: number;
  readonly counters: RoundCounters;
  readonly finish?: FinishReport;
  /** Items in quarantine once the round ended (this round's and earlier ones not yet released). */
  readonly quarantined: number;
  /** When the round (not this run) started: a resumed round keeps its first run's time. */
  readonly startedAt: string;
}

interface RoundStart {
  url: string;
  mode: RoundMode;
  roundId: string;
  reason: string;
  startedAt: string;
  counters: RoundCounters;
  pathsDirty: boolean;
  resumed: boolean;
  finishing?: { deltaLink: string; sweepFrom?: string };
}

export async function runRound(deps: RoundDeps): Promise<RoundResult> {
  const { siteId, graph, logger, lease } = deps;
  const clock = deps.clock ?? systemClock;
  const previous = await deps.state.read(siteId);
  const checkpoint = await deps.checkpoints.read(siteId);
  let start = whereToStart(deps, checkpoint, previous?.deltaLink, clock);
  const quarantined = new Set((await deps.quarantine.list(siteId)).map((e) => e.itemId));
  const ctx: RoundContext = {
    siteId,
    roundId: start.roundId,
    mode: start.mode,
    graph,
    documents: deps.documents,
    content: deps.content,
    quarantine: deps.quarantine,
    quarantined,
    folders: undefined as unknown as FolderResolver,
    lease,
    concurrency: deps.concurrency,
    itemAttempts: deps.itemAttempts ?? DEFAULT_ITEM_ATTEMPTS,
    retryDelayMs: deps.retryDelayMs ?? 250,
    stop: deps.stop,
    abort: deps.abort,
    clock,
    logger,
    counters: start.counters,
    pathsDirty: start.pathsDirty,
    finishing: start.finishing !== undefined,
    redoing: start.resumed,
    downloads: deps.downloads,
    onItemDone: (bytes) => {
      deps.progress?.itemDone(bytes);
      deps.onProgress?.();
    },
    onActivity: deps.onProgress,
  };
  (ctx as { folders: FolderResolver }).folders = new FolderResolver(
    new FolderMap(),
    deps.documents,
    graph,
    siteId,
    () => ({
      roundId: ctx.roundId,
      onlySeen: ctx.mode === "full" && ctx.finishing,
    }),
  );
  deps.progress?.restart(start.mode === "full" ? previous?.files : undefined);
  deps.progress?.resumeFrom(start.counters.items, start.counters.bytes);
  logger.info(
    {
      round: {
        mode: start.mode,
        roundId: start.roundId,
        reason: start.reason,
        resumed: start.resumed,
        phase: start.finishing ? "finishing" : "listing",
        from: redact(start.url),
        pages: start.counters.pages,
        quarantined: quarantined.size,
      },
    },
    "round started",
  );

  const save = (fields: Partial<Checkpoint> = {}) =>
    saveCheckpoint(deps, ctx, start, { nextLink: url, phase: "listing", ...fields });
  let resyncs = 0;
  let url = start.url;
  // A round that starts is checkpointed at once, so that a crash on its first page resumes it as a
  // redone page (leftover uploads removed) rather than starting a new round blind.
  if (checkpoint === undefined) await save();

  let deltaLink = start.finishing?.deltaLink;
  let prefetched: Promise<DeltaPage> | undefined;
  let pagesThisRun = 0;
  /** The chunk's time is up, and this run has made a page durable (a chunk always makes progress). */
  const outOfTime = () => deps.deadline?.aborted === true && pagesThisRun > 0;
  while (deltaLink === undefined) {
    if (deps.stop.aborted) return stopped();
    if (outOfTime()) return stopped("deadline");
    let page: DeltaPage;
    try {
      page = await (prefetched ?? graph.deltaPage(url, deps.abort));
    } catch (err) {
      if (!(err instanceof ResyncRequiredError) || deps.stop.aborted) throw err;
      if (++resyncs > MAX_RESYNCS_PER_RUN)
        throw new Error(
          `Graph answered 410 Gone ${resyncs} times in one run, even to a fresh full listing: ${err.message}`,
          { cause: err },
        );
      logger.warn(
        { resync: { code: err.code, on: redact(url), location: err.location ? redact(err.location) : undefined } },
        "delta link is stale (410): restarting as a full resync",
      );
      start = fullStart(err.location ?? graph.fullDeltaUrl(siteId), `410 ${err.code}`, clock);
      Object.assign(ctx, { roundId: start.roundId, mode: start.mode, counters: start.counters, pathsDirty: false });
      deps.progress?.restart(previous?.files);
      url = start.url;
      prefetched = undefined;
      await save();
      continue;
    }
    // Fetch the next page while this one is applied: the listing is not what limits a round.
    prefetched = page.nextLink === undefined ? undefined : graph.deltaPage(page.nextLink, deps.abort);
    prefetched?.catch(() => undefined);

    const { completed } = await applyPage(ctx, page.items);
    if (!completed) return stopped();
    ctx.counters.pages++;
    pagesThisRun++;
    ctx.redoing = false;
    // Fan-out: the page's download tasks are in the queue before its checkpoint (a crash re-sends, never loses).
    await deps.downloads?.flush();

    if (page.nextLink !== undefined) {
      url = page.nextLink;
      await save();
      logger.info(
        { page: { number: ctx.counters.pages, items: page.items.length, roundId: ctx.roundId } },
        "page durable",
      );
      continue;
    }
    // Quarantined items of earlier rounds get their retry before the round can complete (with
    // fan-out, once the round's own tasks are done: a retry may delete an item a task is writing).
    const entries = await deps.quarantine.list(siteId);
    if (entries.length > 0) {
      if (!(await drained())) return stopped(outOfTime() ? "deadline" : "stopped");
      await retryQuarantined(ctx, entries);
      await deps.downloads?.flush();
    }
    if (deps.stop.aborted) return stopped();
    deltaLink = page.deltaLink!;
    await save({ phase: "finishing", deltaLink });
  }

  // Fan-out: the round completes only once every download it handed out is committed (or quarantined).
  if (!(await drained())) return stopped(outOfTime() ? "deadline" : "stopped");
  ctx.finishing = true;
  const finish = emptyFinishReport();
  if (needsFinishPass(ctx)) {
    const pass = await finishRound(ctx, {
      from: start.finishing?.sweepFrom,
      report: finish,
      pageRows: deps.finishPageRows,
      onPage: async (last) => {
        await save({ phase: "finishing", deltaLink, sweepFrom: last });
        pagesThisRun++;
      },
      deadline: () => outOfTime(),
    });
    if (pass.status === "deadline") return stopped("deadline");
    if (pass.status !== "completed") return stopped();
  }
  ctx.counters.foldersResolved = ctx.folders.resolved;
  const remaining = (await deps.quarantine.list(siteId)).length;
  const state: SyncState = {
    deltaLink,
    completedAt: new Date(clock.now()).toISOString(),
    roundId: ctx.roundId,
    mode: ctx.mode,
    items: ctx.counters.items,
    bytes: ctx.counters.bytes,
    files:
      ctx.mode === "full" && !start.finishing?.sweepFrom
        ? (finish.liveFiles ?? 0)
        : (previous?.files ?? finish.liveFiles ?? 0),
  };
  lease.assertHeld();
  await deps.state.save(siteId, lease.fence, state);
  lease.assertHeld();
  await deps.checkpoints.clear(siteId, lease.fence);
  logger.info(
    { round: { mode: ctx.mode, roundId: ctx.roundId, ...finish, quarantined: remaining } },
    remaining > 0 ? `round completed with ${remaining} item(s) in quarantine` : "round completed",
  );
  return {
    status: "completed",
    mode: ctx.mode,
    roundId: ctx.roundId,
    resumed: start.resumed,
    resyncs,
    counters: ctx.counters,
    finish,
    quarantined: remaining,
    startedAt: start.startedAt,
  };

  /** Fan-out: waits for the queue to drain; false when the run must stop (shutdown or the chunk's deadline). */
  async function drained(): Promise<boolean> {
    if (deps.downloads === undefined) return true;
    logger.info(
      { round: { roundId: ctx.roundId, queued: ctx.counters.queued } },
      "waiting for the download queue to drain",
    );
    const until = linkedAbort(deps.stop, pagesThisRun > 0 ? deps.deadline : undefined);
    try {
      await deps.downloads.drained(until.signal);
      return true;
    } catch (err) {
      if (until.signal.aborted) return false;
      throw err;
    } finally {
      until.dispose();
    }
  }

  function stopped(why: "stopped" | "deadline" = "stopped"): RoundResult {
    logger.warn(
      {
        round: {
          roundId: ctx.roundId,
          pages: ctx.counters.pages,
          finishing: ctx.finishing,
          reason: why === "deadline" ? "max-duration" : "stop",
        },
      },
      why === "deadline"
        ? "chunk time is up: stopped at a durable checkpoint with work left; the next run resumes there"
        : "round stopped before completion; the checkpoint holds the last durable page",
    );
    return {
      status: why,
      mode: ctx.mode,
      roundId: ctx.roundId,
      resumed: start.resumed,
      resyncs,
      counters: ctx.counters,
      quarantined: ctx.quarantined.size,
      startedAt: start.startedAt,
    };
  }
}

async function saveCheckpoint(
  deps: RoundDeps,
  ctx: RoundContext,
  start: RoundStart,
  fields: Partial<Checkpoint> & { nextLink: string },
): Promise<void> {
  deps.lease.assertHeld();
  await deps.checkpoints.save(deps.siteId, deps.lease.fence, {
    roundId: ctx.roundId,
    mode: ctx.mode,
    pages: ctx.counters.pages,
    items: ctx.counters.items,
    bytes: ctx.counters.bytes,
    startedAt: start.startedAt,
    pathsDirty: ctx.pathsDirty,
    reason: start.reason,
    ...fields,
  });
}

function whereToStart(
  deps: RoundDeps,
  checkpoint: Checkpoint | undefined,
  deltaLink: string | undefined,
  clock: Clock,
): RoundStart {
  if (checkpoint !== undefined) {
    return {
      url: checkpoint.nextLink,
      mode: checkpoint.mode,
      roundId: checkpoint.roundId,
      reason: checkpoint.reason,
      startedAt: checkpoint.startedAt,
      counters: { ...emptyCounters(), pages: checkpoint.pages, items: checkpoint.items, bytes: checkpoint.bytes },
      pathsDirty: checkpoint.pathsDirty,
      resumed: true,
      finishing:
        checkpoint.phase === "finishing" && checkpoint.deltaLink !== undefined
          ? { deltaLink: checkpoint.deltaLink, sweepFrom: checkpoint.sweepFrom }
          : undefined,
    };
  }
  if (deltaLink !== undefined) {
    return { ...fullStart(deltaLink, "changes since the last round", clock), mode: "incremental" };
  }
  return fullStart(deps.graph.fullDeltaUrl(deps.siteId), "no delta link (first run or reset)", clock);
}

function fullStart(url: string, reason: string, clock: Clock): RoundStart {
  return {
    url,
    mode: "full",
    roundId: randomUUID(),
    reason,
    startedAt: new Date(clock.now()).toISOString(),
    counters: emptyCounters(),
    pathsDirty: false,
    resumed: false,
  };
}
