// One delta round, the two-table pattern:
// - state holds the deltaLink of the last COMPLETED round; the checkpoint holds the in-progress
//   round (nextLink + counters) and is written after each page's items are durable;
// - a round in progress resumes from the checkpoint's nextLink, never from the deltaLink;
// - on the last page: full rounds sweep what they did not see, paths are fixed if folders changed,
//   then the deltaLink is saved, THEN the checkpoint cleared (a crash in between redoes one page);
// - 410 Gone on the deltaLink or on a nextLink restarts the round as a full resync.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ContentStore } from "../content/content-store";
import type { GraphClient } from "../graph/client";
import type { DeltaPage } from "../graph/drive-item";
import { ResyncRequiredError, redact } from "../graph/errors";
import type { Progress } from "../runtime/progress";
import type { CheckpointStore, RoundMode } from "../stores/checkpoint-store";
import type { DocumentStore } from "../stores/document-store";
import type { StateStore } from "../stores/state-store";
import type { DownloadQueue } from "../fanout/download-queue";
import { applyPage } from "./apply-page";
import { finishRound, type FinishReport } from "./finish-round";
import { FolderMap, folderEntryOf } from "./folder-map";
import { emptyCounters, type RoundContext, type RoundCounters } from "./round-context";

/** A library that answers 410 to its own fresh full listing this often is broken, not stale. */
const MAX_RESYNCS_PER_RUN = 3;

export interface RoundDeps {
  readonly siteId: string;
  readonly fence: number;
  readonly graph: GraphClient;
  readonly documents: DocumentStore;
  readonly checkpoints: CheckpointStore;
  readonly state: StateStore;
  readonly content: ContentStore;
  readonly concurrency: number;
  readonly stop: AbortSignal;
  readonly abort: AbortSignal;
  /** Chunk deadline (`sync --max-duration`): honoured at page boundaries, after at least one page of this run. */
  readonly deadline?: AbortSignal;
  readonly logger: Logger;
  readonly progress?: Progress;
  /** Fan-out: downloads go to this queue; the round completes only after it drains. */
  readonly downloads?: DownloadQueue;
}

export interface RoundResult {
  /** `deadline`: stopped at a durable page because the chunk's time was up; work is left. */
  readonly status: "completed" | "stopped" | "deadline";
  readonly mode: RoundMode;
  readonly roundId: string;
  readonly resumed: boolean;
  readonly resyncs: number;
  readonly counters: RoundCounters;
  readonly finish?: FinishReport;
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
}

export async function runRound(deps: RoundDeps): Promise<RoundResult> {
  const { siteId, fence, graph, logger } = deps;
  const previous = await deps.state.read(siteId);
  let start = await whereToStart(deps, previous?.deltaLink);
  const ctx: RoundContext = {
    siteId,
    roundId: start.roundId,
    mode: start.mode,
    graph,
    documents: deps.documents,
    content: deps.content,
    folders: await loadFolders(deps.documents, siteId),
    concurrency: deps.concurrency,
    stop: deps.stop,
    abort: deps.abort,
    counters: start.counters,
    pathsDirty: start.pathsDirty,
    downloads: deps.downloads,
    onItemDone: (bytes) => deps.progress?.itemDone(bytes),
  };
  deps.progress?.restart(start.mode === "full" ? previous?.files : undefined);
  deps.progress?.resumeFrom(start.counters.items, start.counters.bytes);
  logger.info(
    {
      round: {
        mode: start.mode,
        roundId: start.roundId,
        reason: start.reason,
        resumed: start.resumed,
        from: redact(start.url),
        pages: start.counters.pages,
      },
    },
    "round started",
  );

  let resyncs = 0;
  let pagesThisRun = 0;
  let url = start.url;
  let prefetched: Promise<DeltaPage> | undefined;
  for (;;) {
    if (deps.stop.aborted) return stopped();
    if (deps.deadline?.aborted && pagesThisRun > 0) return stopped("deadline");
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
      start = fullStart(err.location ?? graph.fullDeltaUrl(siteId), `410 ${err.code}`);
      Object.assign(ctx, { roundId: start.roundId, mode: start.mode, counters: start.counters, pathsDirty: false });
      deps.progress?.restart(previous?.files);
      url = start.url;
      prefetched = undefined;
      continue;
    }
    // Fetch the next page while this one is applied: the listing is not what limits a round.
    prefetched = page.nextLink === undefined ? undefined : graph.deltaPage(page.nextLink, deps.abort);
    prefetched?.catch(() => undefined);

    const { completed } = await applyPage(ctx, page.items);
    if (!completed) return stopped();
    ctx.counters.pages++;
    pagesThisRun++;
    // Fan-out: the page's download tasks are in the queue before its checkpoint (a crash re-sends, never loses).
    await deps.downloads?.flush();

    if (page.nextLink !== undefined) {
      await deps.checkpoints.save(siteId, fence, {
        nextLink: page.nextLink,
        roundId: ctx.roundId,
        mode: ctx.mode,
        pages: ctx.counters.pages,
        items: ctx.counters.items,
        bytes: ctx.counters.bytes,
        startedAt: start.startedAt,
        pathsDirty: ctx.pathsDirty,
        reason: start.reason,
      });
      logger.info(
        { page: { number: ctx.counters.pages, items: page.items.length, roundId: ctx.roundId } },
        "page durable",
      );
      url = page.nextLink;
      continue;
    }

    if (deps.downloads !== undefined) {
      logger.info(
        { round: { roundId: ctx.roundId, queued: ctx.counters.queued } },
        "waiting for the download queue to drain",
      );
      try {
        await deps.downloads.drained(deps.stop);
      } catch (err) {
        if (deps.stop.aborted) return stopped();
        throw err;
      }
    }
    const finish = await finishRound(ctx);
    await deps.state.save(siteId, fence, {
      deltaLink: page.deltaLink!,
      completedAt: new Date().toISOString(),
      roundId: ctx.roundId,
      mode: ctx.mode,
      items: ctx.counters.items,
      bytes: ctx.counters.bytes,
      files: ctx.mode === "full" || previous?.files === undefined ? finish.liveFiles : previous.files,
    });
    await deps.checkpoints.clear(siteId, fence);
    logger.info({ round: { mode: ctx.mode, roundId: ctx.roundId, ...finish } }, "round completed");
    return {
      status: "completed",
      mode: ctx.mode,
      roundId: ctx.roundId,
      resumed: start.resumed,
      resyncs,
      counters: ctx.counters,
      finish,
      startedAt: start.startedAt,
    };
  }

  function stopped(why: "stopped" | "deadline" = "stopped"): RoundResult {
    logger.warn(
      {
        round: {
          roundId: ctx.roundId,
          pages: ctx.counters.pages,
          reason: why === "deadline" ? "max-duration" : "stop",
        },
      },
      why === "deadline"
        ? "chunk time is up: stopped at a durable page with work left; the next run resumes there"
        : "round stopped before completion; the checkpoint holds the last durable page",
    );
    return {
      status: why,
      mode: ctx.mode,
      roundId: ctx.roundId,
      resumed: start.resumed,
      resyncs,
      counters: ctx.counters,
      startedAt: start.startedAt,
    };
  }
}

async function whereToStart(deps: RoundDeps, deltaLink: string | undefined): Promise<RoundStart> {
  const checkpoint = await deps.checkpoints.read(deps.siteId);
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
    };
  }
  if (deltaLink !== undefined) {
    return { ...fullStart(deltaLink, "changes since the last round"), mode: "incremental" };
  }
  return fullStart(deps.graph.fullDeltaUrl(deps.siteId), "no delta link (first run or reset)");
}

function fullStart(url: string, reason: string): RoundStart {
  return {
    url,
    mode: "full",
    roundId: randomUUID(),
    reason,
    startedAt: new Date().toISOString(),
    counters: emptyCounters(),
    pathsDirty: false,
    resumed: false,
  };
}

async function loadFolders(documents: DocumentStore, siteId: string): Promise<FolderMap> {
  const folders = new FolderMap();
  for await (const doc of documents.all(siteId, { foldersOnly: true })) {
    folders.set(doc.itemId, folderEntryOf(doc));
  }
  return folders;
}
