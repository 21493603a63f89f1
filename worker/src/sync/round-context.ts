// What one delta round works with: its identity, the ports, the lease guard, the folder map, and the
// signals that stop it. Built once per round by runRound and handed to the item and page code.
import type { Logger } from "pino";
import type { Clock } from "../runtime/clock";
import type { LeaseGuard } from "../runtime/lease-keeper";
import type { RoundMode } from "../stores/checkpoint-store";
import type { FolderResolver } from "./folder-resolver";
import type { ContentStorePort, DocumentStorePort, DownloadQueuePort, GraphSource, QuarantineStorePort } from "./ports";

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
  /** Items that failed every attempt this round and were quarantined. */
  quarantined: number;
  /** Quarantined items of earlier rounds that succeeded this time. */
  released: number;
  /** Downloads whose bytes did not hash to the listed quickXorHash (stored, and logged with id and path). */
  hashMismatches: number;
  /** Unknown parent folders looked up with GET /items/{id}. */
  foldersResolved: number;
  /** Leftover content objects of interrupted uploads removed. */
  leftoversRemoved: number;
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
    quarantined: 0,
    released: 0,
    hashMismatches: 0,
    foldersResolved: 0,
    leftoversRemoved: 0,
  };
}

export interface RoundContext {
  readonly siteId: string;
  roundId: string;
  mode: RoundMode;
  readonly graph: GraphSource;
  readonly documents: DocumentStorePort;
  readonly content: ContentStorePort;
  readonly quarantine: QuarantineStorePort;
  /** Ids currently in quarantine: an item among them that succeeds leaves it. */
  readonly quarantined: Set<string>;
  readonly folders: FolderResolver;
  readonly lease: LeaseGuard;
  readonly concurrency: number;
  /** Attempts per item within a round before it is quarantined. */
  readonly itemAttempts: number;
  readonly retryDelayMs: number;
  /** Fires when no new item may start (shutdown requested, lease lost). */
  readonly stop: AbortSignal;
  /** Fires when in-flight items must be abandoned. */
  readonly abort: AbortSignal;
  readonly clock: Clock;
  readonly logger: Logger;
  counters: RoundCounters;
  /** Set when a folder changed or a path could not be resolved: paths are recomputed before the round completes. */
  pathsDirty: boolean;
  /** The end-of-round pass is running (a full round then trusts only folders it saw). */
  finishing: boolean;
  /** This page may be one an interrupted run was applying: remove leftover objects of its items. */
  redoing: boolean;
  /** Fan-out: file downloads go to this queue (consumers commit them), and the round completes once it has drained. */
  readonly downloads?: DownloadQueuePort;
  /** Called once per applied item (progress and watchdog). */
  readonly onItemDone?: (bytes: number) => void;
  /** Called while a long transfer moves (watchdog): bytes passing count as progress. */
  readonly onActivity?: () => void;
}
