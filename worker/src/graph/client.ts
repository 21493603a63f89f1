// The Graph operations the sync needs: delta pages, one item, and its content as a stream.
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { deltaPageSchema, driveItemSchema, parseOrExplain, type DeltaPage, type DriveItem } from "./drive-item";
import { GraphRequestError, ResyncRequiredError, redact } from "./errors";
import type { GraphSource } from "../sync/ports";
import type { GraphHttp } from "./http";

/** A download URL that answers 401/403 has expired: resolve a fresh one this many times. */
const DOWNLOAD_URL_REFRESHES = 3;
/** A download that delivers no byte for this long is cut and retried (a stalled connection). */
export const DOWNLOAD_IDLE_MS = 60_000;

export interface OpenedContent {
  readonly item: DriveItem;
  readonly body: Readable;
}

/** Turns a 401/403 from a Graph API call into what to fix (the credential chain knows the app). */
export type RefusalExplainer = (status: number, body: unknown) => string;

export class GraphClient implements GraphSource {
  private readonly origin: string;

  constructor(
    private readonly baseUrl: string,
    readonly http: GraphHttp,
    private readonly explainRefusal?: RefusalExplainer,
    private readonly downloadIdleMs = DOWNLOAD_IDLE_MS,
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  /** The token-less delta URL: a full listing of the drive. */
  fullDeltaUrl(siteId: string): string {
    return `${this.baseUrl}/sites/${siteId}/drive/root/delta`;
  }

  async deltaPage(url: string, signal?: AbortSignal): Promise<DeltaPage> {
    this.assertOurOrigin(url);
    const { response, body } = await this.http.getJson(url, { authenticated: true, signal });
    if (response.status === 410) {
      const body = await readErrorBody(response);
      const location = response.headers.get("location") ?? undefined;
      throw new ResyncRequiredError(
        body.code,
        body.message,
        url,
        location && this.isOurOrigin(location) ? location : undefined,
      );
    }
    if (!response.ok) throw await this.apiError(response, url);
    const page = parseOrExplain(deltaPageSchema, body, "delta page");
    return { items: page.value, nextLink: page["@odata.nextLink"], deltaLink: page["@odata.deltaLink"] };
  }

  /** The item as it is now, with a fresh download URL; undefined when it no longer exists. */
  async getItem(siteId: string, itemId: string, signal?: AbortSignal): Promise<DriveItem | undefined> {
    const url = `${this.baseUrl}/sites/${siteId}/drive/items/${encodeURIComponent(itemId)}`;
    const { response, body } = await this.http.getJson(url, { authenticated: true, signal });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await this.apiError(response, url);
    return parseOrExplain(driveItemSchema, body, "driveItem");
  }

  /**
   * Opens the file's content. The download URL is resolved now (it is valid for minutes only) and
   * resolved again when it answers 401/403. undefined when the item was deleted meanwhile.
   */
  async openContent(siteId: string, itemId: string, signal?: AbortSignal): Promise<OpenedContent | undefined> {
    let lastStatus = 401;
    for (let refresh = 0; refresh <= DOWNLOAD_URL_REFRESHES; refresh++) {
      const item = await this.getItem(siteId, itemId, signal);
      if (item === undefined) return undefined;
      const downloadUrl = item["@microsoft.graph.downloadUrl"];
      if (downloadUrl === undefined)
        throw new Error(`Graph returned item ${itemId} without @microsoft.graph.downloadUrl (is it a file?)`);
      const response = await this.http.get(downloadUrl, { authenticated: false, signal });
      if (response.status === 401 || response.status === 403) {
        lastStatus = response.status;
        await response.body?.cancel();
        continue;
      }
      if (!response.ok || response.body === null) throw await requestError(response, downloadUrl);
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      return { item, body: cutWhenIdle(body, this.downloadIdleMs) };
    }
    throw new GraphRequestError(
      lastStatus,
      "downloadUrlRefused",
      `the download URL was refused (${lastStatus}) ${DOWNLOAD_URL_REFRESHES + 1} times, even freshly resolved`,
      `${this.baseUrl}/sites/${siteId}/drive/items/${encodeURIComponent(itemId)}/content`,
    );
  }

  private async apiError(response: Response, url: string): Promise<GraphRequestError> {
    const body = await readErrorBody(response);
    const refused = (response.status === 401 || response.status === 403) && this.explainRefusal !== undefined;
    const message = refused ? this.explainRefusal!(response.status, { error: body }) : body.message;
    return new GraphRequestError(response.status, body.code, message, url);
  }

  private isOurOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  /** Links come from responses: never send our bearer token anywhere but the configured Graph host. */
  private assertOurOrigin(url: string): void {
    if (!this.isOurOrigin(url))
      throw new Error(`Refusing to follow ${redact(url)}: it is not on the configured Graph host ${this.origin}`);
  }
}

async function readErrorBody(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return { code: body.error?.code ?? `http${response.status}`, message: body.error?.message ?? response.statusText };
  } catch {
    return { code: `http${response.status}`, message: response.statusText };
  }
}

/** For download URLs: their 401/403 mean "expired", handled above, never a credential problem. */
async function requestError(response: Response, url: string): Promise<GraphRequestError> {
  const body = await readErrorBody(response);
  return new GraphRequestError(response.status, body.code, body.message, url);
}

/**
 * The body, cut with an error when no byte passes for `idleMs`: a stalled download fails (and is
 * retried) instead of holding its item, and the round, for ever.
 */
function cutWhenIdle(body: Readable, idleMs: number): Readable {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => body.destroy(new Error(`the download delivered no data for ${Math.round(idleMs / 1000)} s`)),
      idleMs,
    );
    timer.unref();
  };
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      arm();
      done(null, chunk);
    },
  });
  arm();
  pipeline(body, out)
    .catch(() => undefined)
    .finally(() => clearTimeout(timer));
  return out;
}
