// The Graph emulator's server: option checking, the fault and authorisation gates every API request
// passes in order (socket reset, authorise hook, throttle, rate limit, injected failure), latency,
// and dispatch to the API routes or the pre-authenticated download URLs.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { assertLoopback, close, listen } from "../entra/http";
import { type ApiContext, routeApi } from "./api-routes";
import { HASH_NAMES, type HashName } from "./content";
import { DeltaRounds } from "./delta";
import { serveDownload } from "./download";
import { CODE_FOR_STATUS, GraphHttpError } from "./errors";
import { FaultPlan, type Faults } from "./faults";
import { Library } from "./library";
import { RateLimit } from "./rate-limit";
import { type Reply, errorReply, throttledReply, writeReply } from "./reply";
import { SitePermissions } from "./site-permissions";
import { createStats, type EmulatorStats } from "./stats";
import { TokenCodec } from "./tokens";

export type AuthoriseHook = (req: IncomingMessage) => Promise<{ status: number; body: unknown } | undefined>;

export interface GraphEmulatorOptions {
  /** Default 127.0.0.1; anything not loopback is refused. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Added before every API response (not to download URLs), default 0. */
  latencyMs?: number;
  /** Page size when the request has no $top, default 200; $top is honoured up to 1000. */
  pageSize?: number;
  /** Beyond this many API requests in any one second: 429 with Retry-After. Default unlimited. */
  maxRequestsPerSecond?: number;
  /** Lifetime of @microsoft.graph.downloadUrl, default 5 minutes. */
  downloadUrlTtlMs?: number;
  /** Bearer-token validation. Return undefined to let the request through, or a status and
   *  Graph-shaped error body to refuse it. Not applied to pre-authenticated download URLs. */
  authorise?: AuthoriseHook;
  /** Seed for ids, generated content and page shuffles. Default 1. */
  seed?: number;
  /** Hashes shown in file.hashes, default both. SharePoint itself sends only quickXorHash: use
   *  ["quickXorHash"] to prove a client does not depend on sha256Hash. */
  fileHashes?: HashName[];
  /** Serve HTTPS with this certificate (e.g. from devtools/entra/tls.ts). Graph clients that
   *  follow absolute links (@microsoft/microsoft-graph-client) recognise only https:// links. */
  tls?: { certPem: string; keyPem: string };
}

const count = z.number().int().nonnegative();
const optionsSchema = z.strictObject({
  host: z.string().optional(),
  port: count.max(65535).optional(),
  latencyMs: count.optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
  maxRequestsPerSecond: z.number().int().min(1).optional(),
  downloadUrlTtlMs: z.number().int().min(1).optional(),
  authorise: z
    .custom<AuthoriseHook>((v) => typeof v === "function", "must be a function (req) => Promise<refusal | undefined>")
    .optional(),
  seed: z.number().int().optional(),
  fileHashes: z
    .array(z.enum(HASH_NAMES as [HashName, ...HashName[]]))
    .min(1)
    .optional(),
  tls: z.strictObject({ certPem: z.string().min(1), keyPem: z.string().min(1) }).optional(),
});

function checkedOptions(opts: GraphEmulatorOptions): GraphEmulatorOptions {
  const parsed = optionsSchema.safeParse(opts);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "options"}: ${issue.message}`);
    throw new Error(`GraphEmulator options are invalid:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data as GraphEmulatorOptions;
}

export class GraphEmulator {
  readonly faults: Faults;
  readonly stats: EmulatorStats = createStats();
  /** Site permissions (`/sites/{id}/permissions`) and the Sites.Selected rule they feed (site-permissions.ts). */
  readonly sitePermissions: SitePermissions;
  /** e.g. http://127.0.0.1:41234/v1.0 */
  readonly baseUrl: string;
  private readonly ctx: ApiContext;
  private readonly faultPlan: FaultPlan;
  private readonly rateLimit: RateLimit;
  private readonly seed: number;

  private constructor(
    private readonly server: Server,
    private readonly opts: GraphEmulatorOptions,
    origin: string,
  ) {
    const codec = new TokenCodec();
    this.faultPlan = new FaultPlan(codec);
    this.faults = this.faultPlan;
    this.seed = opts.seed ?? 1;
    this.rateLimit = new RateLimit(opts.maxRequestsPerSecond);
    this.baseUrl = `${origin}/v1.0`;
    this.ctx = {
      apiBase: this.baseUrl,
      origin,
      pageSize: opts.pageSize ?? 200,
      downloadUrlTtlMs: opts.downloadUrlTtlMs ?? 5 * 60 * 1000,
      codec,
      rounds: new DeltaRounds(this.seed),
      faults: this.faultPlan,
      stats: this.stats,
      librariesBySite: new Map(),
      librariesByDrive: new Map(),
    };
    this.sitePermissions = new SitePermissions(() => ({
      bySite: this.ctx.librariesBySite,
      byDrive: this.ctx.librariesByDrive,
    }));
  }

  static async start(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
    const opts = checkedOptions(options);
    const host = opts.host ?? "127.0.0.1";
    assertLoopback(host, "The Graph emulator");
    let emulator: GraphEmulator | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      emulator!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          writeReply(res, errorReply(req, 500, "generalException", `Emulator fault: ${String(err)}`));
        else res.destroy();
      });
    };
    const server = opts.tls
      ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler)
      : createHttpServer(handler);
    const port = await listen(server, host, opts.port ?? 0);
    const origin = `${opts.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
    emulator = new GraphEmulator(server, opts, origin);
    return emulator;
  }

  /** The library of a site, created empty (just a root folder) on first use. */
  site(siteId: string): Library {
    if (typeof siteId !== "string" || siteId === "" || siteId.includes("/")) {
      throw new Error(
        `site: a site id is a non-empty string without "/" (e.g. "contoso.sharepoint.com,<site-guid>,<web-guid>"), got ${JSON.stringify(siteId)}`,
      );
    }
    let library = this.ctx.librariesBySite.get(siteId);
    if (!library) {
      library = new Library(siteId, this.seed, this.opts.fileHashes);
      this.ctx.librariesBySite.set(siteId, library);
      this.ctx.librariesByDrive.set(library.driveId, library);
    }
    return library;
  }

  resetStats(): void {
    this.stats.resetStats();
  }

  close(): Promise<void> {
    return close(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    if (this.faultPlan.takeReset()) {
      this.stats.resets++;
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? "/", "http://emulator");
    if (url.pathname.startsWith("/download/"))
      return serveDownload(this.ctx, req, res, url.pathname.slice("/download/".length));
    const reply = await this.answerApi(req, url);
    if (this.opts.latencyMs) await sleep(this.opts.latencyMs);
    writeReply(res, reply);
  }

  private async answerApi(req: IncomingMessage, url: URL): Promise<Reply> {
    const refusal = this.opts.authorise ? await this.opts.authorise(req) : undefined;
    if (refusal) {
      this.stats.refused++;
      return refusal;
    }
    const throttle = this.faultPlan.takeThrottle();
    const retryAfter = throttle ? throttle.retryAfterSeconds : this.rateLimit.admit();
    if (retryAfter !== undefined) {
      this.stats.throttled++;
      return throttledReply(req, throttle?.status ?? 429, retryAfter);
    }
    const failure = this.faultPlan.takeFailure();
    if (failure !== undefined) {
      this.stats.failed++;
      return errorReply(req, failure, CODE_FOR_STATUS[failure] ?? "generalException", `Injected failure ${failure}`);
    }
    const permissions = await this.sitePermissions.answer(req, url);
    if (permissions) return permissions;
    const withoutGrant = this.sitePermissions.refusal(req, url);
    if (withoutGrant) {
      this.stats.refused++;
      return withoutGrant;
    }
    try {
      const { route, run } = routeApi(this.ctx, req, url);
      this.stats.routes[route] = (this.stats.routes[route] ?? 0) + 1;
      if (req.method !== "GET")
        return errorReply(req, 405, "invalidRequest", `The emulator's Graph routes answer GET only, not ${req.method}`);
      return run();
    } catch (err) {
      if (!(err instanceof GraphHttpError)) throw err;
      return errorReply(req, err.status, err.code, err.message, err.headers);
    }
  }
}
