/**
 * A small client for Microsoft Graph's site permissions (v1.0): what the `SiteAccessGrant` dynamic provider calls
 * with the deploying administrator's token. Sources: learn.microsoft.com/graph/api/site-post-permissions,
 * site-get-permission, site-list-permissions, site-update-permission, site-delete-permission.
 *
 * Plain `node:https` (and `node:http` for a loopback emulator) rather than a Graph SDK: four calls, and an emulator's
 * CA can be trusted per client without touching the process's trust store.
 */
import * as http from "node:http";
import * as https from "node:https";

export type SiteRole = "read" | "write" | "owner" | "fullcontrol";

export interface SitePermission {
  readonly id: string;
  readonly roles: SiteRole[];
  readonly appId: string;
  readonly displayName?: string;
}

export interface SitePermissionsApiOptions {
  /** e.g. https://graph.microsoft.com/v1.0 */
  readonly baseUrl: string;
  /**
   * A Graph access token of someone allowed to manage site permissions (Sites.FullControl.All); undefined sends
   * none (only a loopback emulator in open mode accepts that).
   */
  readonly token: () => Promise<string | undefined>;
  /** Extra CA to trust (a loopback emulator's). */
  readonly caPem?: string;
}

/** A Graph answer that is not a success; `hint` says what to fix. */
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "GraphRequestError";
  }
}

export class SitePermissionsApi {
  constructor(private readonly opts: SitePermissionsApiOptions) {}

  async create(siteId: string, appId: string, roles: SiteRole[], displayName?: string): Promise<SitePermission> {
    const body = {
      roles,
      grantedToIdentities: [{ application: { id: appId, ...(displayName ? { displayName } : {}) } }],
    };
    return toPermission(await this.call("POST", `/sites/${encodeURIComponent(siteId)}/permissions`, body));
  }

  /** The permission, or undefined when it no longer exists (deleted outside Pulumi). */
  async get(siteId: string, id: string): Promise<SitePermission | undefined> {
    try {
      return toPermission(await this.call("GET", permissionPath(siteId, id)));
    } catch (err) {
      if (err instanceof GraphRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Permissions on the site; Graph's list carries no roles, so each is read in full. */
  async list(siteId: string): Promise<SitePermission[]> {
    const page = (await this.call("GET", `/sites/${encodeURIComponent(siteId)}/permissions`)) as {
      value: Array<{ id: string }>;
    };
    const all = await Promise.all(page.value.map((p) => this.get(siteId, p.id)));
    return all.filter((p): p is SitePermission => p !== undefined);
  }

  async updateRoles(siteId: string, id: string, roles: SiteRole[]): Promise<SitePermission> {
    return toPermission(await this.call("PATCH", permissionPath(siteId, id), { roles }));
  }

  /** Deletes the permission; one that is already gone counts as deleted. */
  async delete(siteId: string, id: string): Promise<void> {
    try {
      await this.call("DELETE", permissionPath(siteId, id));
    } catch (err) {
      if (!(err instanceof GraphRequestError && err.status === 404)) throw err;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(`${this.opts.baseUrl.replace(/\/+$/, "")}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const token = await this.opts.token();
    const transport = url.protocol === "https:" ? https : http;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          ...(url.protocol === "https:" && this.opts.caPem ? { ca: this.opts.caPem } : {}),
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            accept: "application/json",
            ...(payload === undefined
              ? {}
              : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
    if (status >= 200 && status < 300) return text === "" ? undefined : JSON.parse(text);
    const error = (safeJson(text) as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new GraphRequestError(
      status,
      error?.code ?? String(status),
      explain(method, path, status, error?.message ?? text),
    );
  }
}

function permissionPath(siteId: string, id: string): string {
  return `/sites/${encodeURIComponent(siteId)}/permissions/${encodeURIComponent(id)}`;
}

function toPermission(body: unknown): SitePermission {
  const p = body as {
    id: string;
    roles?: SiteRole[];
    grantedToIdentitiesV2?: Array<{ application?: { id: string; displayName?: string } }>;
    grantedToIdentities?: Array<{ application?: { id: string; displayName?: string } }>;
  };
  const application = (p.grantedToIdentitiesV2 ?? p.grantedToIdentities ?? [])[0]?.application;
  return {
    id: p.id,
    roles: p.roles ?? [],
    appId: application?.id ?? "",
    ...(application?.displayName ? { displayName: application.displayName } : {}),
  };
}

function explain(method: string, path: string, status: number, message: string): string {
  const what = `Graph ${method} ${path} answered ${status}: ${message}`;
  if (status === 401) return `${what}. Sign in again (az login) as an administrator of the tenant.`;
  if (status === 403)
    return `${what}. Granting site access needs Sites.FullControl.All: run this as a SharePoint administrator (az login), never from CI.`;
  if (status === 404 && /\/permissions$/.test(path))
    return `${what}. Check the site ID (hostname,siteCollectionId,siteId).`;
  return what;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
