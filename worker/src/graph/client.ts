// The Graph operations the sync needs: delta pages, one item, and its content as a stream.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { deltaPageSchema, driveItemSchema, parseOrExplain, type DeltaPage, type DriveItem } from "./drive-item";
import { GraphRequestError, ResyncRequiredError, redact } from "./errors";
import type { GraphHttp } from "./http";

/** A download URL that answers 401/403 has expired: resolve a fresh one this many times. */
const DOWNLOAD_URL_REFRESHES = 3;

export interface OpenedContent {
  readonly item: DriveItem;
  readonly body: Readable;
}

/** Turns a 401/403 from a Graph API call into what to fix (the credential chain knows the app). */
export type RefusalExplainer = (status: number, body: unknown) => string;

export class GraphClient {
  private readonly origin: string;

  constructor(
    private readonly baseUrl: string,
    readonly http: GraphHttp,
    private readonly explainRefusal?: RefusalExplainer,
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  /** The token-less delta URL: a full listing of the drive. */
  fullDeltaUrl(siteId: string): string {
    return `${this.baseUrl}/sites/${siteId}/drive/root/delta`;
  }

  async deltaPage(url: string, signal?: AbortSignal): Promise<DeltaPage> {
    this.assertOurOrigin(url);
    const response = await this.http.get(url, { authenticated: true, signal });
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
    const page = parseOrExplain(deltaPageSchema, await response.json(), "delta page");
    return { items: page.value, nextLink: page["@odata.nextLink"], deltaLink: page["@odata.deltaLink"] };
  }

  /** The item as it is now, with a fresh download URL; undefined when it no longer exists. */
  async getItem(siteId: string, itemId: string, signal?: AbortSignal): Promise<DriveItem | undefined> {
    const url = `${this.baseUrl}/sites/${siteId}/drive/items/${encodeURIComponent(itemId)}`;
    const response = await this.http.get(url, { authenticated: true, signal });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await this.apiError(response, url);
    return parseOrExplain(driveItemSchema, await response.json(), "driveItem");
  }

  /**
   * Opens the file's content. The download URL is resolved now (it is valid for minutes only) and
   * resolved again when it answers 401/403. undefined when the item was deleted meanwhile.
   */
  async openContent(siteId: string, itemId: string, signal?: AbortSignal): Promise<OpenedContent | undefined> {
    for (let refresh = 0; refresh <= DOWNLOAD_URL_REFRESHES; refresh++) {
      const item = await this.getItem(siteId, itemId, signal);
      if (item === undefined) return undefined;
      const downloadUrl = item["@microsoft.graph.downloadUrl"];
      if (downloadUrl === undefined)
        throw new Error(`Graph returned item ${itemId} without @microsoft.graph.downloadUrl (is it a file?)`);
      const response = await this.http.get(downloadUrl, { authenticated: false, signal });
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok || response.body === null) throw await requestError(response, downloadUrl);
      return { item, body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) };
    }
    throw new GraphRequestError(
      401,
      "downloadUrlRefused",
      `the download URL was refused ${DOWNLOAD_URL_REFRESHES + 1} times, even freshly resolved`,
      itemId,
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
