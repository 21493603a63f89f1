// Folders by id, so that a file's path can be built from its folder chain. Graph's delta pages carry
// no parentReference.path and a folder rename does not list its descendants, so the worker keeps
// this map itself (in the documents table, kind "folder"/"root") and derives paths from it.
export interface FolderEntry {
  readonly name: string;
  readonly parentId?: string;
  readonly isRoot: boolean;
}

export class FolderMap {
  private readonly folders = new Map<string, FolderEntry>();

  set(id: string, entry: FolderEntry): void {
    this.folders.set(id, entry);
  }

  delete(id: string): void {
    this.folders.delete(id);
  }

  has(id: string): boolean {
    return this.folders.has(id);
  }

  /** Path of the folder below the root ("" for the root itself); undefined while the chain has a gap. */
  pathOf(folderId: string | undefined): string | undefined {
    const names: string[] = [];
    const seen = new Set<string>();
    for (let id = folderId; ;) {
      if (id === undefined || seen.has(id)) return undefined;
      seen.add(id);
      const folder = this.folders.get(id);
      if (folder === undefined) return undefined;
      if (folder.isRoot) return names.join("/");
      names.unshift(folder.name);
      id = folder.parentId;
    }
  }

  /** Path of an item called `name` inside `parentId`. */
  childPath(parentId: string | undefined, name: string): string | undefined {
    const parent = this.pathOf(parentId);
    return parent === undefined ? undefined : parent === "" ? name : `${parent}/${name}`;
  }
}

/** The folder-map entry of a stored folder or root record. */
export function folderEntryOf(doc: { name?: string; parentId?: string; kind: string }): FolderEntry {
  return { name: doc.name ?? "", parentId: doc.parentId, isRoot: doc.kind === "root" };
}
