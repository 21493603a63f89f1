// Paths from the folder chain, with unknown folders looked up in Graph. A file may arrive before its
// folder (Graph lists no parent first), or in a folder created after the listing was taken (moved
// there since): instead of leaving its path unknown, or deleting it as an orphan at the end of the
// round, the resolver asks `GET /items/{id}` for the missing folder and its parents, once per
// folder and round. Only a folder Graph no longer has (404) makes a chain broken.
// Folders already stored are read from the documents table when first needed, rather than loading
// every folder when the round starts: an incremental round of a huge library touches only what it needs.
import type { DriveItem } from "../graph/drive-item";
import { FolderMap, folderEntryOf, joinPath, type FolderEntry } from "./folder-map";
import type { DocumentStorePort, GraphSource } from "./ports";

/** Deeper than SharePoint's URL length allows; a longer chain is a cycle in stale data. */
const MAX_DEPTH = 400;

export type PathResult = { path: string } | { broken: string };

export class FolderResolver {
  private readonly looking = new Map<string, Promise<boolean>>();
  private readonly gone = new Set<string>();
  /** How many folders were looked up in Graph. */
  resolved = 0;

  constructor(
    readonly map: FolderMap,
    private readonly documents: Pick<DocumentStorePort, "getMany">,
    private readonly graph: GraphSource,
    private readonly siteId: string,
    /** The round now running: a full round's end-of-round pass trusts only folders it saw. */
    private readonly round: () => { roundId: string; onlySeen: boolean },
  ) {}

  set(id: string, entry: Omit<FolderEntry, "roundId">): void {
    this.map.set(id, { ...entry, roundId: this.round().roundId });
    this.gone.delete(id);
  }

  delete(id: string): void {
    this.map.delete(id);
  }

  /** The path known without asking Graph; undefined while the chain has a gap. */
  knownPath(parentId: string | undefined, name: string): string | undefined {
    const walked = this.map.walk(parentId, this.trusted);
    return "path" in walked ? joinPath(walked.path, name) : undefined;
  }

  /** The path of `name` in `parentId`, looking missing folders up; `broken` names a folder that is gone. */
  async childPath(parentId: string | undefined, name: string, signal?: AbortSignal): Promise<PathResult> {
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const walked = this.map.walk(parentId, this.trusted);
      if ("path" in walked) return { path: joinPath(walked.path, name) };
      const missing = walked.missing;
      if (missing === "" || this.gone.has(missing)) return { broken: missing || "(no parent)" };
      if (!(await this.lookUp(missing, signal))) return { broken: missing };
    }
    return { broken: parentId ?? "(no parent)" };
  }

  private readonly trusted = (entry: FolderEntry): boolean => {
    const round = this.round();
    return !round.onlySeen || entry.roundId === round.roundId;
  };

  /** Looks a folder up once per round; resolves whether Graph still has it. */
  private lookUp(id: string, signal?: AbortSignal): Promise<boolean> {
    let pending = this.looking.get(id);
    if (pending === undefined) {
      pending = this.fetch(id, signal);
      this.looking.set(id, pending);
      pending.then(
        () => this.looking.delete(id),
        () => this.looking.delete(id),
      );
    }
    return pending;
  }

  private async fetch(id: string, signal?: AbortSignal): Promise<boolean> {
    const row = (await this.documents.getMany(this.siteId, [id])).get(id);
    // The listing may have set the folder while the row was being read: what it says is newer.
    if (this.knows(id)) return true;
    if (row !== undefined && row.kind !== "file") {
      const entry = folderEntryOf(row);
      if (this.trusted(entry)) {
        this.map.set(id, entry);
        return true;
      }
    }
    const item = await this.graph.getItem(this.siteId, id, signal);
    return this.knows(id) || this.learn(id, item);
  }

  private knows(id: string): boolean {
    const entry = this.map.get(id);
    return entry !== undefined && this.trusted(entry);
  }

  private learn(id: string, item: DriveItem | undefined): boolean {
    if (item === undefined || item.deleted !== undefined || (item.folder === undefined && item.root === undefined)) {
      this.gone.add(id);
      return false;
    }
    this.resolved++;
    this.set(id, {
      name: item.name ?? "",
      parentId: item.parentReference?.id ?? undefined,
      isRoot: item.root !== undefined,
    });
    return true;
  }
}
