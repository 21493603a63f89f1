// What a sync client keeps from delta rounds: id -> name, parent, size. Tombstones remove the id;
// paths are derived from parent ids at read time, because a folder rename or move does not list
// the folder's descendants.
import type { ExpectedFile } from "..";

export interface DeltaEntry {
  id: string;
  name?: string;
  size?: number;
  deleted?: unknown;
  file?: unknown;
  parentReference?: { id?: string };
}

export class Mirror {
  private readonly items = new Map<string, { name: string; parentId?: string; size: number; isFile: boolean }>();

  apply(entries: DeltaEntry[]): void {
    for (const item of entries) {
      if (item.deleted) this.items.delete(item.id);
      else
        this.items.set(item.id, {
          name: item.name!,
          parentId: item.parentReference?.id,
          size: item.size!,
          isFile: Boolean(item.file),
        });
    }
  }

  files(): Map<string, { path: string; size: number }> {
    const pathOf = (id: string | undefined): string => {
      const item = id === undefined ? undefined : this.items.get(id);
      if (!item || item.parentId === undefined) return "";
      const parent = pathOf(item.parentId);
      return parent ? `${parent}/${item.name}` : item.name;
    };
    const out = new Map<string, { path: string; size: number }>();
    for (const [id, item] of this.items) if (item.isFile) out.set(id, { path: pathOf(id), size: item.size });
    return out;
  }
}

export function pathsAndSizes(expected: Map<string, ExpectedFile>): Map<string, { path: string; size: number }> {
  return new Map([...expected].map(([id, file]) => [id, { path: file.path, size: file.size }]));
}
