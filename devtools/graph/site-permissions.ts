// Site permissions, as Microsoft Graph v1.0 documents them, and the authorisation that goes with
// them: the `Sites.Selected` application permission reaches a site only once the site grants the
// app a permission.
//   POST   /sites/{site-id}/permissions               201, the permission   (site-post-permissions)
//   GET    /sites/{site-id}/permissions               200, { value }; list entries carry no roles
//   GET    /sites/{site-id}/permissions/{id}          200, the permission   (site-get-permission)
//   PATCH  /sites/{site-id}/permissions/{id}          200, only `roles` may change (site-update-permission)
//   DELETE /sites/{site-id}/permissions/{id}          204                   (site-delete-permission)
// Managing them needs Sites.FullControl.All (application, or delegated for a SharePoint
// administrator); anything else is 403 accessDenied. Sources: learn.microsoft.com/graph/api/
// site-post-permissions, site-list-permissions, site-get-permission, site-update-permission,
// site-delete-permission, and /graph/permissions-selected-overview (Sites.Selected).
//
// The caller is read from the bearer token's payload: the emulator's `authorise` hook has already
// verified its signature. Without a hook (open mode, no tokens) nothing is enforced here.
import type { IncomingMessage } from "node:http";
import { readBody } from "../entra/http";
import type { Library } from "./library";
import { errorReply, type Reply } from "./reply";

/** Roles a site permission can grant (permission resource, `roles`). */
export const SITE_PERMISSION_ROLES = ["read", "write", "owner", "fullcontrol"] as const;
export type SitePermissionRole = (typeof SITE_PERMISSION_ROLES)[number];
/** Application permissions that reach every site: no per-site grant needed. */
const TENANT_WIDE_ROLES = [
  "Sites.Read.All",
  "Sites.ReadWrite.All",
  "Sites.FullControl.All",
  "Files.Read.All",
  "Files.ReadWrite.All",
];
const MANAGE_PERMISSION = "Sites.FullControl.All";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SitePermission {
  readonly id: string;
  roles: SitePermissionRole[];
  readonly application: { readonly id: string; readonly displayName?: string };
}

interface Caller {
  readonly appId?: string;
  readonly tenantId?: string;
  readonly roles: string[];
  readonly scopes: string[];
}

export interface SitePermissionStats {
  /** Drive requests refused because the app holds Sites.Selected without a grant on the site. */
  refusedWithoutGrant: number;
  /** Permission changes made through the API, by method. */
  changes: Record<string, number>;
}

export class SitePermissions {
  readonly stats: SitePermissionStats = { refusedWithoutGrant: 0, changes: {} };
  private readonly bySite = new Map<string, Map<string, SitePermission>>();

  constructor(private readonly libraries: () => { bySite: Map<string, Library>; byDrive: Map<string, Library> }) {}

  /** The site's permissions (a copy), for tests. */
  list(siteId: string): SitePermission[] {
    return [...(this.bySite.get(siteId)?.values() ?? [])].map((p) => ({ ...p, roles: [...p.roles] }));
  }

  /** Answers a permissions route, or undefined when `url` is not one. */
  async answer(req: IncomingMessage, url: URL): Promise<Reply | undefined> {
    const m = /^\/v1\.0\/sites\/([^/]+)\/permissions(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) return undefined;
    const siteId = decodeURIComponent(m[1]!);
    const permissionId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const caller = callerOf(req);
    if (caller && !caller.roles.includes(MANAGE_PERMISSION) && !caller.scopes.includes(MANAGE_PERMISSION))
      return errorReply(req, 403, "accessDenied", "Access denied");
    if (!this.libraries().bySite.has(siteId))
      return errorReply(req, 404, "itemNotFound", `Requested site could not be found: ${siteId}`);
    const site = this.bySite.get(siteId) ?? new Map<string, SitePermission>();
    this.bySite.set(siteId, site);

    if (permissionId === undefined) {
      if (req.method === "GET")
        return {
          status: 200,
          body: {
            "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#sites('${siteId}')/permissions`,
            // The list shows who holds a permission, not its roles: read each one for those.
            value: [...site.values()].map((p) => {
              const { roles: _roles, ...rest } = render(siteId, p);
              return rest;
            }),
          },
        };
      if (req.method === "POST") return this.create(req, siteId, site, caller);
      return methodNotAllowed(req, "GET, POST");
    }
    const permission = site.get(permissionId);
    if (!permission) return errorReply(req, 404, "itemNotFound", "The specified permission was not found.");
    if (req.method === "GET") return { status: 200, body: render(siteId, permission) };
    if (req.method === "PATCH") {
      const body = await jsonBody(req);
      if ("error" in body) return body.error;
      const extra = Object.keys(body.value).filter((k) => k !== "roles");
      if (extra.length > 0)
        return errorReply(
          req,
          400,
          "invalidRequest",
          `Only roles can be updated on a site permission, not ${extra.join(", ")}`,
        );
      const roles = checkRoles(body.value.roles);
      if (typeof roles === "string") return errorReply(req, 400, "invalidRequest", roles);
      permission.roles = roles;
      this.count("PATCH");
      return { status: 200, body: render(siteId, permission) };
    }
    if (req.method === "DELETE") {
      site.delete(permissionId);
      this.count("DELETE");
      return { status: 204 };
    }
    return methodNotAllowed(req, "GET, PATCH, DELETE");
  }

  /** 403 accessDenied for a drive request of an app that holds only Sites.Selected and no grant on the site. */
  refusal(req: IncomingMessage, url: URL): Reply | undefined {
    const caller = callerOf(req);
    if (!caller || caller.scopes.length > 0 || caller.roles.some((r) => TENANT_WIDE_ROLES.includes(r)))
      return undefined;
    const siteId = this.siteOf(url);
    if (siteId === undefined) return undefined;
    const granted = [...(this.bySite.get(siteId)?.values() ?? [])].some((p) => p.application.id === caller.appId);
    if (granted) return undefined;
    this.stats.refusedWithoutGrant++;
    return errorReply(req, 403, "accessDenied", "Access denied");
  }

  private async create(
    req: IncomingMessage,
    siteId: string,
    site: Map<string, SitePermission>,
    caller: Caller | undefined,
  ): Promise<Reply> {
    const body = await jsonBody(req);
    if ("error" in body) return body.error;
    const roles = checkRoles(body.value.roles);
    if (typeof roles === "string") return errorReply(req, 400, "invalidRequest", roles);
    const identities = body.value.grantedToIdentities;
    const application =
      Array.isArray(identities) && identities.length === 1
        ? (identities[0] as { application?: { id?: unknown; displayName?: unknown } }).application
        : undefined;
    if (typeof application?.id !== "string" || !GUID.test(application.id))
      return errorReply(
        req,
        400,
        "invalidRequest",
        "grantedToIdentities must hold exactly one { application: { id: <client id GUID>, displayName } }; only application permissions can be created on a site",
      );
    const tenant = caller?.tenantId ?? "00000000-0000-0000-0000-000000000000";
    // Graph's ids encode the app and tenant (i:0i.t|ms.sp.ext|<app>@<tenant>), so one app has one permission per site.
    const id = Buffer.from(`i:0i.t|ms.sp.ext|${application.id}@${tenant}`).toString("base64url");
    const permission: SitePermission = {
      id,
      roles,
      application: {
        id: application.id,
        ...(typeof application.displayName === "string" ? { displayName: application.displayName } : {}),
      },
    };
    site.set(id, permission);
    this.count("POST");
    return { status: 201, body: render(siteId, permission) };
  }

  private siteOf(url: URL): string | undefined {
    const m = /^\/v1\.0\/(sites|drives)\/([^/]+)/.exec(url.pathname);
    if (!m) return undefined;
    const id = decodeURIComponent(m[2]!);
    return m[1] === "sites" ? id : this.libraries().byDrive.get(id)?.siteId;
  }

  private count(method: string): void {
    this.stats.changes[method] = (this.stats.changes[method] ?? 0) + 1;
  }
}

function render(siteId: string, p: SitePermission): Record<string, unknown> {
  const identities = [{ application: { ...p.application } }];
  return {
    "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#sites('${siteId}')/permissions/$entity`,
    id: p.id,
    roles: [...p.roles],
    grantedToIdentitiesV2: identities,
    grantedToIdentities: identities,
  };
}

function checkRoles(roles: unknown): SitePermissionRole[] | string {
  if (!Array.isArray(roles) || roles.length === 0)
    return `roles must be a non-empty array of ${SITE_PERMISSION_ROLES.join(", ")}`;
  const unknown = roles.filter((r) => !SITE_PERMISSION_ROLES.includes(r as SitePermissionRole));
  if (unknown.length > 0)
    return `roles: ${unknown.map((r) => JSON.stringify(r)).join(", ")} is not one of ${SITE_PERMISSION_ROLES.join(", ")}`;
  return roles as SitePermissionRole[];
}

async function jsonBody(req: IncomingMessage): Promise<{ value: Record<string, unknown> } | { error: Reply }> {
  const text = await readBody(req);
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      return { value: value as Record<string, unknown> };
  } catch {
    // fall through
  }
  return { error: errorReply(req, 400, "BadRequest", "The request body must be a JSON object") };
}

function methodNotAllowed(req: IncomingMessage, allowed: string): Reply {
  return errorReply(req, 405, "methodNotAllowed", `${req.method} is not allowed here; use ${allowed}`, {
    allow: allowed,
  });
}

/** The verified bearer token's claims, or undefined without one. */
function callerOf(req: IncomingMessage): Caller | undefined {
  const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const payload = token?.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    return {
      appId: typeof claims.appid === "string" ? claims.appid : typeof claims.azp === "string" ? claims.azp : undefined,
      tenantId: typeof claims.tid === "string" ? claims.tid : undefined,
      roles: Array.isArray(claims.roles) ? (claims.roles as string[]) : [],
      scopes: typeof claims.scp === "string" ? claims.scp.split(" ") : [],
    };
  } catch {
    return undefined;
  }
}
