// What one delta round works with: its identity, the stores and clients, the folder map, and the
// signals that stop it. Built once per round by runRound and handed to the item and page code.
import type { ContentStore } from "../content/content-store";
import type { GraphClient } from "../graph/client";
import type { RoundMode } from "../stores/checkpoint-store";
import type { DocumentStore } from "../stores/document-store";
import type { DownloadQueue } from "../fanout/download-queue";
import type { FolderMap } from "./folder-map";

export interface RoundCounters {
  pages: number;
  items: number;
  bytes: number;
  downloaded: number;
  metadataOnly: number;
  unchanged: number;
  deleted: number;
  /** Files deleted between the listing and their download (removed at once, like a deletion). */
  vanished: number;
  /** Files handed to the download queue (fan-out) instead of downloaded here. */
  queued: number;
  itemRetries: number;
}

export function emptyCounters(): RoundCounters {
  return {
    pages: 0,
    items: 0,
    bytes: 0,
    downloaded: 0,
    metadataOnly: 0,
    unchanged: 0,
    deleted: 0,
    vanished: 0,
    queued: 0,
    itemRetries: 0,
  };
}

export interface RoundContext {
  readonly siteId: string;
  roundId: string;
  mode: RoundMode;
  readonly graph: GraphClient;
  readonly documents: DocumentStore;
  readonly content: ContentStore;
  readonly folders: FolderMap;
  readonly concurrency: number;
  /** Fires when no new item may start (shutdown requested, lease lost). */
  readonly stop: AbortSignal;
  /** Fires when in-flight items must be abandoned. */
  readonly abort: AbortSignal;
  counters: RoundCounters;
  /** Set when a folder changed or a path could not be resolved: paths are recomputed before the round completes. */
  pathsDirty: boolean;
  /** Fan-out: file downloads go to this queue, and the round completes once it has drained. */
  readonly downloads?: DownloadQueue;
  /** Progress reporting: called once per applied item. */
  readonly onItemDone?: (bytes: number) => void;
}
