// The Graph v1.0 routes the sync worker uses: drive, root delta (with nextLink/deltaLink paging and
// 410 on stale links), single item (with a pre-authenticated download URL) and /content (302).
import type { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { GraphHttpError } from "./errors";
import type { DeltaRounds } from "./delta";
import { deltaPage } from "./delta-route";
import type { FaultPlan } from "./faults";
import type { DriveNode, Library } from "./library";
import { renderItem } from "./render";
import type { Reply } from "./reply";
import type { EmulatorStats } from "./stats";
import type { TokenCodec } from "./tokens";

export interface ApiContext {
  readonly apiBase: string;
  readonly origin: string;
  readonly pageSize: number;
  readonly downloadUrlTtlMs: number;
  /** The emulator's clock (download URL expiry, rate limit). */
  readonly now: () => number;
  readonly codec: TokenCodec;
  readonly rounds: DeltaRounds;
  readonly faults: FaultPlan;
  readonly stats: EmulatorStats;
  /** Emits the route name of every request served ("download", "delta", "item", ...): tests wait on it. */
  readonly events: EventEmitter;
  librariesBySite: Map<string, Library>;
  librariesByDrive: Map<string, Library>;
}

export interface DownloadToken {
  k: "download";
  s: string;
  i: string;
  /** Expiry, epoch milliseconds. */
  x: number;
}

const DRIVE_ROUTE = /^\/(?:sites\/([^/]+)\/drive|drives\/([^/]+))(\/.*)?$/;
const DELTA_FUNCTION = /^\/root\/delta(?:\(\)|\(token='([^']*)'\))?$/;
const ITEM_ROUTE = /^\/(?:items\/([^/]+)|(root))(\/content)?$/;

export function routeApi(ctx: ApiContext, req: IncomingMessage, url: URL): { route: string; run: () => Reply } {
  const path = url.pathname.slice("/v1.0".length);
  const drive = DRIVE_ROUTE.exec(path);
  const notFound = {
    route: "unknown",
    run: (): Reply => {
      throw new GraphHttpError(
        404,
        "itemNotFound",
        `No resource at ${req.method} ${url.pathname} on the Graph emulator (routes: /sites/{site-id}/drive[/root/delta | /items/{item-id}[/content]])`,
      );
    },
  };
  if (!url.pathname.startsWith("/v1.0/") || !drive) return notFound;
  const rest = drive[3] ?? "";
  const library = () =>
    findLibrary(
      ctx,
      drive[1] === undefined ? undefined : decodeSegment(drive[1]),
      drive[2] === undefined ? undefined : decodeSegment(drive[2]),
    );
  if (rest === "") return { route: "drive", run: () => driveReply(library()) };
  const delta = DELTA_FUNCTION.exec(rest);
  if (delta)
    return {
      route: "delta",
      run: () =>
        deltaPage(ctx, library(), delta[1] ?? url.searchParams.get("token") ?? undefined, url.searchParams.get("$top")),
    };
  const item = ITEM_ROUTE.exec(rest);
  if (item) {
    const itemId = item[2] ?? decodeSegment(item[1]);
    if (item[3]) return { route: "content", run: () => contentRedirect(ctx, library(), itemId) };
    return { route: "item", run: () => itemReply(ctx, library(), itemId) };
  }
  return notFound;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GraphHttpError(400, "invalidRequest", `The path segment "${segment}" is not valid percent-encoding`);
  }
}

function findLibrary(ctx: ApiContext, siteId: string | undefined, driveId: string | undefined): Library {
  const library = siteId !== undefined ? ctx.librariesBySite.get(siteId) : ctx.librariesByDrive.get(driveId!);
  if (!library) {
    throw new GraphHttpError(
      404,
      "itemNotFound",
      siteId !== undefined ? `Requested site could not be found: ${siteId}` : `The drive ${driveId} does not exist`,
    );
  }
  return library;
}

function driveReply(library: Library): Reply {
  return {
    status: 200,
    body: {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#drives/$entity",
      id: library.driveId,
      driveType: "documentLibrary",
      name: "Documents",
    },
  };
}

function liveItem(library: Library, itemId: string): DriveNode {
  const node = library.get(itemId);
  if (!node || node.deletedAt !== undefined)
    throw new GraphHttpError(404, "itemNotFound", "The resource could not be found.");
  return node;
}

export function issueDownloadUrl(ctx: ApiContext, library: Library, node: DriveNode): string {
  const token = ctx.codec.issue<DownloadToken>({
    k: "download",
    s: library.siteId,
    i: node.id,
    x: ctx.now() + ctx.downloadUrlTtlMs,
  });
  return `${ctx.origin}/download/${token}`;
}

function itemReply(ctx: ApiContext, library: Library, itemId: string): Reply {
  ctx.stats.itemGets++;
  const node = liveItem(library, itemId);
  const body: Record<string, unknown> = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#driveItems/$entity",
    ...renderItem(library, node, { withPath: true }),
  };
  if (node.kind === "file") body["@microsoft.graph.downloadUrl"] = issueDownloadUrl(ctx, library, node);
  return { status: 200, body };
}

function contentRedirect(ctx: ApiContext, library: Library, itemId: string): Reply {
  ctx.stats.contentRedirects++;
  const node = liveItem(library, itemId);
  if (node.kind !== "file")
    throw new GraphHttpError(
      400,
      "invalidRequest",
      `Item ${itemId} is a folder and has no content; only files can be downloaded`,
    );
  return { status: 302, headers: { location: issueDownloadUrl(ctx, library, node) } };
}
