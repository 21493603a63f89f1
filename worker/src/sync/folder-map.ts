// Folders by id, so that a file's path can be built from its folder chain. Graph's delta pages carry
// no parentReference.path and a folder rename does not list its descendants, so the worker keeps
// this map itself (in the documents table, kind "folder"/"root") and derives paths from it.
export interface FolderEntry {
  readonly name: string;
  readonly parentId?: string;
  readonly isRoot: boolean;
  /** The round that last saw the folder (a full round trusts only folders it saw itself). */
  readonly roundId?: string;
}

export class FolderMap {
  private readonly folders = new Map<string, FolderEntry>();

  set(id: string, entry: FolderEntry): void {
    this.folders.set(id, entry);
  }

  get(id: string): FolderEntry | undefined {
    return this.folders.get(id);
  }

  delete(id: string): void {
    this.folders.delete(id);
  }

  get size(): number {
    return this.folders.size;
  }

  /**
   * Path of the folder below the root ("" for the root itself), or the id of the first folder of its
   * chain that is missing (`trusted` decides which entries count).
   */
  walk(folderId: string | undefined, trusted: (entry: FolderEntry) => boolean): { path: string } | { missing: string } {
    const names: string[] = [];
    const seen = new Set<string>();
    for (let id = folderId; ;) {
      if (id === undefined) return { missing: "" };
      if (seen.has(id)) return { missing: id };
      seen.add(id);
      const folder = this.folders.get(id);
      if (folder === undefined || !trusted(folder)) return { missing: id };
      if (folder.isRoot) return { path: names.join("/") };
      names.unshift(folder.name);
      id = folder.parentId;
    }
  }
}

/** The path of an item called `name` in a folder at `parentPath`. */
export function joinPath(parentPath: string, name: string): string {
  return parentPath === "" ? name : `${parentPath}/${name}`;
}

/** The folder-map entry of a stored folder or root record. */
export function folderEntryOf(doc: { name?: string; parentId?: string; kind: string; roundId?: string }): FolderEntry {
  return { name: doc.name ?? "", parentId: doc.parentId, isRoot: doc.kind === "root", roundId: doc.roundId };
}
