// The Graph v1.0 routes the sync worker uses: drive, root delta (with nextLink/deltaLink paging and
// 410 on stale links), single item (with a pre-authenticated download URL) and /content (302).
import type { IncomingMessage } from "node:http";
import { GraphHttpError } from "./errors";
import type { DeltaRounds, Round } from "./delta";
import type { FaultPlan } from "./faults";
import type { DriveNode, Library } from "./library";
import { renderItem } from "./render";
import type { Reply } from "./reply";
import type { EmulatorStats } from "./stats";
import type { TokenCodec } from "./tokens";

export const MAX_PAGE_SIZE = 1000;

export interface ApiContext {
  readonly apiBase: string;
  readonly origin: string;
  readonly pageSize: number;
  readonly downloadUrlTtlMs: number;
  readonly codec: TokenCodec;
  readonly rounds: DeltaRounds;
  readonly faults: FaultPlan;
  readonly stats: EmulatorStats;
  librariesBySite: Map<string, Library>;
  librariesByDrive: Map<string, Library>;
}

interface LinkToken {
  k: "next" | "delta";
  /** Site id. */
  s: string;
  /** Page size of the round. */
  t: number;
  /** nextLink: round id and offset of the page. */
  r?: string;
  o?: number;
  /** deltaLink: library sequence number the next round lists changes after. */
  v?: number;
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
  const notFound = { route: "unknown", run: (): Reply => { throw new GraphHttpError(404, "itemNotFound", `No resource at ${req.method} ${url.pathname} on the Graph emulator (routes: /sites/{site-id}/drive[/root/delta | /items/{item-id}[/content]])`); } };
  if (!url.pathname.startsWith("/v1.0/") || !drive) return notFound;
  const rest = drive[3] ?? "";
  const library = () => findLibrary(ctx, drive[1] === undefined ? undefined : decodeURIComponent(drive[1]), drive[2] === undefined ? undefined : decodeURIComponent(drive[2]));
  if (rest === "") return { route: "drive", run: () => driveReply(library()) };
  const delta = DELTA_FUNCTION.exec(rest);
  if (delta) return { route: "delta", run: () => deltaPage(ctx, library(), delta[1] ?? url.searchParams.get("token") ?? undefined, url.searchParams.get("$top")) };
  const item = ITEM_ROUTE.exec(rest);
  if (item) {
    const itemId = item[2] ?? decodeURIComponent(item[1]);
    if (item[3]) return { route: "content", run: () => contentRedirect(ctx, library(), itemId) };
    return { route: "item", run: () => itemReply(ctx, library(), itemId) };
  }
  return notFound;
}

function findLibrary(ctx: ApiContext, siteId: string | undefined, driveId: string | undefined): Library {
  const library = siteId !== undefined ? ctx.librariesBySite.get(siteId) : ctx.librariesByDrive.get(driveId!);
  if (!library) {
    throw new GraphHttpError(404, "itemNotFound", siteId !== undefined ? `Requested site could not be found: ${siteId}` : `The drive ${driveId} does not exist`);
  }
  return library;
}

function driveReply(library: Library): Reply {
  return {
    status: 200,
    body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#drives/$entity", id: library.driveId, driveType: "documentLibrary", name: "Documents" },
  };
}

function deltaLinkUrl(ctx: ApiContext, siteId: string, token?: string): string {
  const base = `${ctx.apiBase}/sites/${sitePathSegment(siteId)}/drive/root/delta`;
  return token === undefined ? base : `${base}?token=${token}`;
}

/** Site ids are "host,site-guid,web-guid": Graph leaves the commas as they are in its links. */
export function sitePathSegment(siteId: string): string {
  return encodeURIComponent(siteId).replace(/%2C/gi, ",");
}

function pageSizeOf(ctx: ApiContext, top: string | null): number {
  if (top === null) return ctx.pageSize;
  if (!/^\d+$/.test(top) || Number(top) < 1) throw new GraphHttpError(400, "invalidRequest", `Invalid value '${top}' for $top: expected a positive integer`);
  return Math.min(Number(top), MAX_PAGE_SIZE);
}

function gone(ctx: ApiContext, siteId: string, code: string, message: string): GraphHttpError {
  ctx.stats.gone++;
  return new GraphHttpError(410, code, message, { location: deltaLinkUrl(ctx, siteId) });
}

function deltaPage(ctx: ApiContext, library: Library, token: string | undefined, top: string | null): Reply {
  if (token === undefined) return page(ctx, ctx.rounds.start(library, undefined), 0, pageSizeOf(ctx, top));
  if (token === "latest") {
    // Graph's shortcut: no items, just a deltaLink from now on.
    const link = ctx.codec.issue<LinkToken>({ k: "delta", s: library.siteId, t: pageSizeOf(ctx, top), v: library.currentSequence });
    return { status: 200, body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(driveItem)", value: [], "@odata.deltaLink": deltaLinkUrl(ctx, library.siteId, link) } };
  }
  const state = ctx.codec.read<LinkToken>(token);
  if (!state || (state.k !== "next" && state.k !== "delta") || state.s !== library.siteId) {
    throw new GraphHttpError(400, "invalidRequest", "The delta token is malformed, was changed, or was not issued for this drive. Start again without a token.");
  }
  if (state.k === "delta") {
    const stale = ctx.faults.staleDeltaLinks;
    if (stale && state.n <= stale.upToSerial) throw gone(ctx, library.siteId, stale.code, "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.");
    return page(ctx, ctx.rounds.start(library, state.v), 0, state.t);
  }
  const stale = ctx.faults.staleNextLinks;
  if (stale && state.n <= stale.upToSerial) throw gone(ctx, library.siteId, stale.code, "Resync required: the paging token has expired. Start a full listing from the Location header.");
  const round = ctx.rounds.get(state.r!);
  if (!round) throw gone(ctx, library.siteId, "resyncRequired", "Resync required: this round is no longer held by the service. Start a full listing from the Location header.");
  return page(ctx, round, state.o!, state.t);
}

function page(ctx: ApiContext, round: Round, offset: number, size: number): Reply {
  ctx.stats.deltaPages++;
  const end = offset + size;
  const body: Record<string, unknown> = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(driveItem)",
    value: round.entries.slice(offset, end),
  };
  if (end < round.entries.length) {
    body["@odata.nextLink"] = deltaLinkUrl(ctx, round.siteId, ctx.codec.issue<LinkToken>({ k: "next", s: round.siteId, t: size, r: round.id, o: end }));
  } else {
    body["@odata.deltaLink"] = deltaLinkUrl(ctx, round.siteId, ctx.codec.issue<LinkToken>({ k: "delta", s: round.siteId, t: size, v: round.upTo }));
  }
  return { status: 200, body };
}

function liveItem(library: Library, itemId: string): DriveNode {
  const node = library.get(itemId);
  if (!node || node.deletedAt !== undefined) throw new GraphHttpError(404, "itemNotFound", "The resource could not be found.");
  return node;
}

export function issueDownloadUrl(ctx: ApiContext, library: Library, node: DriveNode): string {
  const token = ctx.codec.issue<DownloadToken>({ k: "download", s: library.siteId, i: node.id, x: Date.now() + ctx.downloadUrlTtlMs });
  return `${ctx.origin}/download/${token}`;
}

function itemReply(ctx: ApiContext, library: Library, itemId: string): Reply {
  ctx.stats.itemGets++;
  const node = liveItem(library, itemId);
  const body: Record<string, unknown> = { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#driveItems/$entity", ...renderItem(library, node, { withPath: true }) };
  if (node.kind === "file") body["@microsoft.graph.downloadUrl"] = issueDownloadUrl(ctx, library, node);
  return { status: 200, body };
}

function contentRedirect(ctx: ApiContext, library: Library, itemId: string): Reply {
  ctx.stats.contentRedirects++;
  const node = liveItem(library, itemId);
  if (node.kind !== "file") throw new GraphHttpError(400, "invalidRequest", `Item ${itemId} is a folder and has no content; only files can be downloaded`);
  return { status: 302, headers: { location: issueDownloadUrl(ctx, library, node) } };
}
