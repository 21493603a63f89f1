// driveItem JSON as Graph v1.0 returns it for a SharePoint document library.
// Delta pages leave parentReference.path out, as Graph documents ("a folder rename does not list
// its descendants, so track items by id"); a single-item GET includes it.
import type { DriveNode, Library } from "./library";

const MIME_TYPES: Record<string, string> = {
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

export function mimeTypeOf(name: string): string {
  const ext = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1).toLowerCase() : "";
  return MIME_TYPES[ext] ?? "application/octet-stream";
}

export type DriveItemJson = Record<string, unknown> & { id: string };

export function renderDeleted(library: Library, node: DriveNode): DriveItemJson {
  // SharePoint sends no name for deleted items.
  return {
    id: node.id,
    deleted: { state: "deleted" },
    parentReference: { driveType: "documentLibrary", driveId: library.driveId, id: node.parentId },
  };
}

export function renderItem(library: Library, node: DriveNode, opts: { withPath: boolean }): DriveItemJson {
  const parentReference: Record<string, unknown> = { driveType: "documentLibrary", driveId: library.driveId };
  if (node.parentId) {
    parentReference.id = node.parentId;
    if (opts.withPath) {
      const parentPath = library.pathOf(library.get(node.parentId)!);
      parentReference.path = "/drive/root:" + (parentPath ? "/" + parentPath : "");
    }
  }
  const item: DriveItemJson = {
    id: node.id,
    name: node.name,
    eTag: `"{${node.guid}},${node.eTagVersion}"`,
    createdDateTime: node.createdDateTime,
    lastModifiedDateTime: node.lastModifiedDateTime,
    size: library.sizeOf(node),
    parentReference,
  };
  // SharePoint leaves cTag out of delta items; a single-item GET and OneDrive personal carry it.
  if (library.shape === "oneDrivePersonal" || opts.withPath) item.cTag = `"c:{${node.guid}},${node.cTagVersion}"`;
  if (node.kind === "file") {
    item.file = { mimeType: mimeTypeOf(node.name), hashes: library.fileHashes(node) };
  } else {
    item.folder = { childCount: library.childCount(node.id) };
  }
  if (node.kind === "root") item.root = {};
  return item;
}
