// The delta route: starts rounds, pages them through signed nextLinks, ends them with a deltaLink,
// and answers 410 with a fresh token-less link in Location when a link has gone stale.
import type { ApiContext } from "./api-routes";
import type { Round } from "./delta";
import { GraphHttpError } from "./errors";
import type { ResyncCode } from "./faults";
import type { Library } from "./library";
import type { Reply } from "./reply";

export const MAX_PAGE_SIZE = 1000;

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

const RESYNC_ADVICE: Record<ResyncCode, string> = {
  resyncRequired:
    "This delta link is no longer valid: list the drive again from the Location header and reconcile your copy with it",
  resyncChangesApplyDifferences:
    "This delta link is no longer valid: list the drive again from the Location header and replace your copy with the server's items, deletions included",
  resyncChangesUploadDifferences:
    "This delta link is no longer valid: list the drive again from the Location header, keep both versions where they differ and upload what the server lacks",
};

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
  if (!/^\d+$/.test(top) || Number(top) < 1)
    throw new GraphHttpError(400, "invalidRequest", `Invalid value '${top}' for $top: expected a positive integer`);
  return Math.min(Number(top), MAX_PAGE_SIZE);
}

function gone(ctx: ApiContext, siteId: string, code: string, message: string): GraphHttpError {
  ctx.stats.gone++;
  return new GraphHttpError(410, code, message, { location: deltaLinkUrl(ctx, siteId) });
}

export function deltaPage(ctx: ApiContext, library: Library, token: string | undefined, top: string | null): Reply {
  if (token === undefined) return page(ctx, ctx.rounds.start(library, undefined), 0, pageSizeOf(ctx, top));
  if (token === "latest") {
    // Graph's shortcut: no items, just a deltaLink from now on.
    const link = ctx.codec.issue<LinkToken>({
      k: "delta",
      s: library.siteId,
      t: pageSizeOf(ctx, top),
      v: library.currentSequence,
    });
    return {
      status: 200,
      body: {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(driveItem)",
        value: [],
        "@odata.deltaLink": deltaLinkUrl(ctx, library.siteId, link),
      },
    };
  }
  const state = ctx.codec.read<LinkToken>(token);
  if (!state || (state.k !== "next" && state.k !== "delta") || state.s !== library.siteId) {
    throw new GraphHttpError(
      400,
      "invalidRequest",
      "The delta token is malformed, was changed, or was not issued for this drive. Start again without a token.",
    );
  }
  if (state.k === "delta") {
    const stale = ctx.faults.staleDeltaLinks;
    if (stale && state.n <= stale.upToSerial) throw gone(ctx, library.siteId, stale.code, RESYNC_ADVICE[stale.code]);
    return page(ctx, ctx.rounds.start(library, state.v), 0, state.t);
  }
  const stale = ctx.faults.staleNextLinks;
  if (stale && state.n <= stale.upToSerial) throw gone(ctx, library.siteId, stale.code, RESYNC_ADVICE[stale.code]);
  const round = ctx.rounds.get(state.r!);
  if (!round)
    throw gone(
      ctx,
      library.siteId,
      "resyncRequired",
      `${RESYNC_ADVICE.resyncRequired} (the round this link belongs to is no longer held)`,
    );
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
    body["@odata.nextLink"] = deltaLinkUrl(
      ctx,
      round.siteId,
      ctx.codec.issue<LinkToken>({ k: "next", s: round.siteId, t: size, r: round.id, o: end }),
    );
  } else {
    body["@odata.deltaLink"] = deltaLinkUrl(
      ctx,
      round.siteId,
      ctx.codec.issue<LinkToken>({ k: "delta", s: round.siteId, t: size, v: round.upTo }),
    );
  }
  return { status: 200, body };
}
