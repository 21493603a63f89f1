// One emulated SharePoint document library (a drive): a tree of folders and files with the
// bookkeeping Graph's delta feed needs. Every change stamps the item with the library's next
// sequence number; a delta round lists the items stamped after its token's sequence number.
// Deleted items stay as tombstones so that later incremental rounds can report them.
import { createHash } from "node:crypto";
import {
  type Content,
  type GeneratedContent,
  type HashName,
  contentSize,
  digestOf,
  knownDigest,
  validateContent,
} from "./content";
import { type Random, randomBase32, randomInt, seededRandom } from "./random";

export interface DriveNode {
  readonly id: string;
  readonly kind: "root" | "folder" | "file";
  /** The GUID Graph puts in eTag and cTag. */
  readonly guid: string;
  name: string;
  /** null only for the root. */
  parentId: string | null;
  content?: Content;
  /** Digests of buffer content (generated content is cached by recipe in content.ts). */
  bufferDigests?: Partial<Record<HashName, string>>;
  eTagVersion: number;
  cTagVersion: number;
  readonly createdDateTime: string;
  lastModifiedDateTime: string;
  /** Library sequence number of the last change the delta feed reports for this item. */
  changedAt: number;
  /** Set when the item (or a folder above it) was deleted. */
  deletedAt?: number;
}

export interface ExpectedFile {
  path: string;
  size: number;
  sha256: string;
}

export interface GenerateOptions {
  files: number;
  folders?: number;
  seed?: number;
  minSize?: number;
  maxSize?: number;
}

/**
 * Whose item shapes the emulator reproduces. SharePoint (OneDrive for Business) delta items carry no
 * cTag and file.hashes holds only quickXorHash (driveItem delta documentation; a Microsoft engineer
 * confirms the missing cTag in OneDrive/onedrive-api-docs#763). OneDrive personal sends cTag.
 */
export type DriveShape = "sharePoint" | "oneDrivePersonal";
export const DEFAULT_HASHES: Record<DriveShape, readonly HashName[]> = {
  sharePoint: ["quickXorHash"],
  oneDrivePersonal: ["quickXorHash", "sha256Hash"],
};

// SharePoint refuses these characters in file and folder names.
const INVALID_NAME = /["*:<>?/\\|]/;

export class Library {
  readonly driveId: string;
  readonly rootId: string;
  private sequence = 0;
  private readonly nodes = new Map<string, DriveNode>();
  /** Live children of each live folder, for child counts, name checks and cascading deletes. */
  private readonly children = new Map<string, Set<string>>();
  private readonly random: Random;

  /** `hashNames`: the hashes delta pages and item GETs show in file.hashes; `shape`: which service's
   *  item shapes to reproduce (SharePoint: no cTag in delta items; OneDrive personal: cTag). */
  constructor(
    readonly siteId: string,
    seed: number,
    readonly hashNames: readonly HashName[] = DEFAULT_HASHES.sharePoint,
    readonly shape: DriveShape = "sharePoint",
  ) {
    const digest = createHash("sha256").update(`${seed}\0${siteId}`).digest();
    this.random = seededRandom(digest.readUInt32BE(0));
    this.driveId =
      "b!" + createHash("sha256").update(digest).digest("base64url") + randomBase32(this.random, 21).toLowerCase();
    this.rootId = this.create("root", "root", null).id;
  }

  /** Library sequence number of the latest change (a delta round lists changes up to it). */
  get currentSequence(): number {
    return this.sequence;
  }

  addFolder(parentId: string | null, name: string): string {
    return this.create("folder", name, this.liveFolder(parentId, `addFolder("${name}")`).id).id;
  }

  addFile(parentId: string | null, name: string, content: Buffer | GeneratedContent): string {
    validateContent(content, `addFile("${name}")`);
    const node = this.create("file", name, this.liveFolder(parentId, `addFile("${name}")`).id);
    this.setContent(node, content);
    return node.id;
  }

  updateFile(id: string, content: Buffer | GeneratedContent): void {
    const node = this.liveNode(id, "updateFile");
    if (node.kind !== "file") throw new Error(`updateFile: item ${id} ("${node.name}") is a folder, not a file`);
    validateContent(content, `updateFile(${id})`);
    this.setContent(node, content);
    node.eTagVersion++;
    node.cTagVersion++;
    this.touch(node);
  }

  /** eTag changes; cTag (the content tag) does not. Descendants of a folder are NOT reported. */
  rename(id: string, name: string): void {
    const node = this.liveNonRoot(id, "rename");
    this.checkName(node.parentId!, name, `rename(${id})`, node.id);
    node.name = name;
    node.eTagVersion++;
    this.touch(node);
  }

  move(id: string, newParentId: string | null): void {
    const node = this.liveNonRoot(id, "move");
    const target = this.liveFolder(newParentId, `move(${id})`);
    for (let at: DriveNode | undefined = target; at; at = at.parentId ? this.nodes.get(at.parentId) : undefined) {
      if (at.id === node.id)
        throw new Error(`move: cannot move folder ${id} ("${node.name}") into itself or one of its descendants`);
    }
    this.checkName(target.id, node.name, `move(${id})`, node.id);
    this.children.get(node.parentId!)!.delete(node.id);
    this.children.get(target.id)!.add(node.id);
    node.parentId = target.id;
    node.eTagVersion++;
    this.touch(node);
  }

  /** Deleting a folder deletes everything below it. */
  delete(id: string): void {
    const node = this.liveNonRoot(id, "delete");
    this.children.get(node.parentId!)!.delete(node.id);
    this.touch(node);
    const stamp = this.sequence;
    const bury = (n: DriveNode) => {
      n.deletedAt = stamp;
      n.changedAt = stamp;
      for (const childId of this.children.get(n.id) ?? []) bury(this.nodes.get(childId)!);
      this.children.delete(n.id);
    };
    bury(node);
  }

  /** Adds `folders` folders (nested at random) and `files` files spread over them, deterministically by seed. */
  generate(opts: GenerateOptions): void {
    const { files, folders = 0, seed = 1, minSize = 0, maxSize = 64 * 1024 } = opts;
    for (const [key, value] of Object.entries({ files, folders, minSize, maxSize })) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new Error(`generate: ${key} must be a non-negative integer, got ${value}`);
    }
    if (minSize > maxSize) throw new Error(`generate: minSize (${minSize}) is larger than maxSize (${maxSize})`);
    const random = seededRandom(seed);
    const parents = [this.rootId];
    for (let i = 1; i <= folders; i++) {
      const parent = parents[randomInt(random, 0, parents.length - 1)];
      parents.push(this.addFolder(parent, this.freeName(parent, `Folder ${String(i).padStart(4, "0")}`)));
    }
    for (let i = 1; i <= files; i++) {
      const parent = parents[randomInt(random, 0, parents.length - 1)];
      const content = { size: randomInt(random, minSize, maxSize), seed: Math.floor(random() * 2 ** 31) };
      this.addFile(parent, this.freeName(parent, `Document ${String(i).padStart(5, "0")}.bin`), content);
    }
  }

  expectedFiles(): Map<string, ExpectedFile> {
    const files = new Map<string, ExpectedFile>();
    for (const node of this.nodes.values()) {
      if (node.kind !== "file" || node.deletedAt !== undefined) continue;
      files.set(node.id, { path: this.pathOf(node), size: contentSize(node.content!), sha256: this.sha256(node) });
    }
    return files;
  }

  // ---- read side, used by the delta feed and the item routes ----

  get(id: string): DriveNode | undefined {
    return id === "root" ? this.nodes.get(this.rootId) : this.nodes.get(id);
  }

  allNodes(): IterableIterator<DriveNode> {
    return this.nodes.values();
  }

  childCount(folderId: string): number {
    return this.children.get(folderId)?.size ?? 0;
  }

  /** Total bytes of the live files at or below the item. */
  sizeOf(node: DriveNode): number {
    if (node.kind === "file") return contentSize(node.content!);
    let total = 0;
    for (const childId of this.children.get(node.id) ?? []) total += this.sizeOf(this.nodes.get(childId)!);
    return total;
  }

  /** Live ancestors from the parent up to and including the root. */
  ancestors(node: DriveNode): DriveNode[] {
    const out: DriveNode[] = [];
    for (let id = node.parentId; id;) {
      const parent = this.nodes.get(id)!;
      if (parent.deletedAt !== undefined) break;
      out.push(parent);
      id = parent.parentId;
    }
    return out;
  }

  /** Path below the root, e.g. "Folder 0001/Document 00001.bin" (the root itself is ""). */
  pathOf(node: DriveNode): string {
    const names: string[] = [];
    for (
      let at: DriveNode | undefined = node;
      at && at.kind !== "root";
      at = at.parentId ? this.nodes.get(at.parentId) : undefined
    )
      names.unshift(at.name);
    return names.join("/");
  }

  /** Lower-case hex SHA-256 of a file's bytes, computed (streaming) if need be. */
  sha256(node: DriveNode): string {
    return node.bufferDigests?.sha256Hash ?? digestOf(node.content!, "sha256Hash");
  }

  /** file.hashes as Graph shows them: the configured hashes that are known or cheap to compute. */
  fileHashes(node: DriveNode): Partial<Record<HashName, string>> {
    const hashes: Partial<Record<HashName, string>> = {};
    for (const name of this.hashNames) {
      const digest = node.bufferDigests?.[name] ?? knownDigest(node.content!, name);
      if (digest !== undefined) hashes[name] = name === "sha256Hash" ? digest.toUpperCase() : digest;
    }
    return hashes;
  }

  // ---- internals ----

  private create(kind: DriveNode["kind"], name: string, parentId: string | null): DriveNode {
    if (parentId !== null)
      this.checkName(parentId, name, kind === "file" ? `addFile("${name}")` : `addFolder("${name}")`);
    const id = "01" + randomBase32(this.random, 32);
    const guid = createHash("sha256")
      .update(id)
      .digest("hex")
      .slice(0, 32)
      .toUpperCase()
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    const now = new Date().toISOString();
    const node: DriveNode = {
      id,
      kind,
      guid,
      name,
      parentId,
      eTagVersion: 1,
      cTagVersion: 1,
      createdDateTime: now,
      lastModifiedDateTime: now,
      changedAt: 0,
    };
    this.nodes.set(id, node);
    if (kind !== "file") this.children.set(id, new Set());
    if (parentId !== null) this.children.get(parentId)!.add(id);
    this.touch(node);
    return node;
  }

  private setContent(node: DriveNode, content: Content): void {
    // Hash small content now, while the library is being set up, so the first delta listing (often
    // inside a timed benchmark) does not pay for it.
    const copy: Content = Buffer.isBuffer(content) ? Buffer.from(content) : { size: content.size, seed: content.seed };
    node.content = copy;
    const names = new Set<HashName>(["sha256Hash", ...this.hashNames]);
    if (Buffer.isBuffer(copy))
      node.bufferDigests = Object.fromEntries([...names].map((name) => [name, digestOf(copy, name)]));
    else for (const name of names) knownDigest(copy, name);
  }

  private touch(node: DriveNode): void {
    node.changedAt = ++this.sequence;
    node.lastModifiedDateTime = new Date().toISOString();
  }

  private liveNode(id: string, operation: string): DriveNode {
    const node = this.get(id);
    if (!node) throw new Error(`${operation}: no item with id ${id} in the library of site ${this.siteId}`);
    if (node.deletedAt !== undefined) throw new Error(`${operation}: item ${id} ("${node.name}") was deleted`);
    return node;
  }

  private liveNonRoot(id: string, operation: string): DriveNode {
    const node = this.liveNode(id, operation);
    if (node.kind === "root") throw new Error(`${operation}: the root folder cannot be changed`);
    return node;
  }

  private liveFolder(id: string | null, operation: string): DriveNode {
    const node = this.liveNode(id ?? this.rootId, operation);
    if (node.kind === "file") throw new Error(`${operation}: parent ${id} ("${node.name}") is a file, not a folder`);
    return node;
  }

  private checkName(parentId: string, name: string, operation: string, ignoreId?: string): void {
    if (typeof name !== "string" || name.trim() === "" || INVALID_NAME.test(name)) {
      throw new Error(`${operation}: "${name}" is not a valid SharePoint name (non-empty, none of " * : < > ? / \\ |)`);
    }
    const lower = name.toLowerCase();
    for (const siblingId of this.children.get(parentId) ?? []) {
      if (siblingId !== ignoreId && this.nodes.get(siblingId)!.name.toLowerCase() === lower) {
        throw new Error(
          `${operation}: the folder already holds an item named "${name}" (names are unique per folder, ignoring case)`,
        );
      }
    }
  }

  private freeName(parentId: string, name: string): string {
    const taken = new Set([...(this.children.get(parentId) ?? [])].map((id) => this.nodes.get(id)!.name.toLowerCase()));
    if (!taken.has(name.toLowerCase())) return name;
    const dot = name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    for (let n = 2; ; n++) if (!taken.has(`${stem} (${n})${ext}`.toLowerCase())) return `${stem} (${n})${ext}`;
  }
}
