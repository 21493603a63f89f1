/**
 * The `Sites.Selected` grant as a resource: a site permission for the sync identity (`read` by default), created,
 * read, updated and deleted through Microsoft Graph with the deploying ADMINISTRATOR's credential (`az login`; the
 * Azure CLI's token through `DefaultAzureCredential`). Graph needs Sites.FullControl.All for it, a right CI must never
 * hold: the grant lives in the bootstrap project (`bootstrap/`), which an administrator runs, not in the main stack.
 *
 * `pulumi refresh` reads the permission back: a permission deleted in SharePoint disappears from the state (the next
 * `up` creates it again), and roles changed there show as drift that the next `up` puts back.
 */
import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN, SITE_ID_PATTERN } from "./validation";
import { SitePermissionsApi, type SitePermission, type SiteRole } from "./site-permissions-api";

export const SITE_ROLES: readonly SiteRole[] = ["read", "write", "owner", "fullcontrol"];
export const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0";

/** What the provider stores: the inputs and the permission Graph made. */
export interface SiteGrantProps {
  readonly siteId: string;
  readonly appId: string;
  readonly displayName?: string;
  readonly roles: SiteRole[];
  readonly graphBaseUrl: string;
}

/** How the provider reaches Graph; replaced in tests by one that talks to the emulator. */
export type SitePermissionsApiFactory = (graphBaseUrl: string) => SitePermissionsApi;

/** Graph with the administrator's own sign-in (az login, or any DefaultAzureCredential source). */
export function administratorGraph(graphBaseUrl: string): SitePermissionsApi {
  // Loaded when a grant is actually made: previews and mock runs never need a credential.
  const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
  const credential = new DefaultAzureCredential();
  const scope = `${new URL(graphBaseUrl).origin}/.default`;
  return new SitePermissionsApi({
    baseUrl: graphBaseUrl,
    token: async () => {
      const token = await credential.getToken(scope);
      if (!token) throw new Error(`no Graph token for ${scope}: sign in with az login as a SharePoint administrator`);
      return token.token;
    },
  });
}

/** Problems with the inputs, each naming its property. */
export function checkGrantInputs(p: Partial<SiteGrantProps>): Array<{ property: string; reason: string }> {
  const failures: Array<{ property: string; reason: string }> = [];
  if (typeof p.siteId !== "string" || !SITE_ID_PATTERN.test(p.siteId))
    failures.push({
      property: "siteId",
      reason: `expected a Graph site ID hostname,siteCollectionId,siteId; got ${JSON.stringify(p.siteId)}`,
    });
  if (typeof p.appId !== "string" || !GUID_PATTERN.test(p.appId))
    failures.push({
      property: "appId",
      reason: `expected the sync identity's client ID (a GUID); got ${JSON.stringify(p.appId)}`,
    });
  if (!Array.isArray(p.roles) || p.roles.length === 0 || p.roles.some((r) => !SITE_ROLES.includes(r)))
    failures.push({
      property: "roles",
      reason: `expected one or more of ${SITE_ROLES.join(", ")}; got ${JSON.stringify(p.roles)}`,
    });
  if (
    typeof p.graphBaseUrl !== "string" ||
    !/^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(p.graphBaseUrl)
  )
    failures.push({ property: "graphBaseUrl", reason: "expected an https URL (http only on loopback)" });
  return failures;
}

/** The dynamic provider: CRUD of one site permission. */
export class SiteGrantProvider implements pulumi.dynamic.ResourceProvider {
  constructor(private readonly graph: SitePermissionsApiFactory = administratorGraph) {}

  async check(_olds: SiteGrantProps, news: SiteGrantProps): Promise<pulumi.dynamic.CheckResult> {
    const failures = checkGrantInputs(news);
    return failures.length > 0 ? { failures } : { inputs: news };
  }

  async diff(_id: string, olds: SiteGrantProps, news: SiteGrantProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["siteId", "appId", "graphBaseUrl"] as const).filter((k) => olds[k] !== news[k]);
    const rolesChanged = !sameRoles(olds.roles, news.roles) || olds.displayName !== news.displayName;
    return {
      changes: replaces.length > 0 || rolesChanged,
      replaces,
      // The same app on the same site is one permission in Graph: a new endpoint must free it first.
      deleteBeforeReplace: replaces.includes("graphBaseUrl"),
    };
  }

  async create(inputs: SiteGrantProps): Promise<pulumi.dynamic.CreateResult> {
    const permission = await this.graph(inputs.graphBaseUrl).create(
      inputs.siteId,
      inputs.appId,
      inputs.roles,
      inputs.displayName,
    );
    return { id: permission.id, outs: { ...inputs, roles: permission.roles } };
  }

  async read(id: string, props: SiteGrantProps): Promise<pulumi.dynamic.ReadResult> {
    const permission = await this.graph(props.graphBaseUrl).get(props.siteId, id);
    // An empty ID tells the engine the resource is gone (deleted in SharePoint): refresh drops it, up recreates it.
    if (permission === undefined) return { id: "", props };
    return { id, props: { ...props, ...observed(permission) } };
  }

  async update(id: string, olds: SiteGrantProps, news: SiteGrantProps): Promise<pulumi.dynamic.UpdateResult> {
    const permission = await this.graph(news.graphBaseUrl).updateRoles(news.siteId, id, news.roles);
    return { outs: { ...olds, ...news, roles: permission.roles } };
  }

  async delete(id: string, props: SiteGrantProps): Promise<void> {
    await this.graph(props.graphBaseUrl).delete(props.siteId, id);
  }
}

function observed(p: SitePermission): Partial<SiteGrantProps> {
  return { roles: p.roles, appId: p.appId, ...(p.displayName ? { displayName: p.displayName } : {}) };
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join(",") === [...b].sort().join(",");
}

export interface SiteAccessGrantArgs {
  /** Graph site ID (`hostname,siteCollectionId,siteId`). */
  readonly siteId: pulumi.Input<string>;
  /** Client ID of the identity the worker signs in as (the stack output `azureSyncClientId`). */
  readonly appId: pulumi.Input<string>;
  /** Shown in SharePoint's list of app permissions. Default none. */
  readonly displayName?: pulumi.Input<string>;
  /** Roles on the site. Default `["read"]`: the sync only reads. */
  readonly roles?: pulumi.Input<SiteRole[]>;
  /** Graph endpoint (sovereign clouds). Default `https://graph.microsoft.com/v1.0`. */
  readonly graphBaseUrl?: pulumi.Input<string>;
}

/** The dynamic resource itself (Pulumi's dynamic Resource is abstract). */
class SitePermissionResource extends pulumi.dynamic.Resource {
  declare public readonly roles: pulumi.Output<SiteRole[]>;
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: Record<string, pulumi.Input<unknown>>,
    opts: pulumi.CustomResourceOptions,
  ) {
    super(provider, name, props, opts, "sharepoint", "SitePermission");
  }
}

/** One site's grant: a component around the dynamic resource, so its type token follows the project's scheme. */
export class SiteAccessGrant extends pulumi.ComponentResource {
  public readonly permissionId: pulumi.Output<string>;
  public readonly roles: pulumi.Output<SiteRole[]>;

  constructor(
    name: string,
    args: SiteAccessGrantArgs,
    opts?: pulumi.ComponentResourceOptions,
    provider: pulumi.dynamic.ResourceProvider = new SiteGrantProvider(),
  ) {
    super("zerosecrets:sync:SiteAccessGrant", name, args, opts);
    const permission = new SitePermissionResource(
      provider,
      `${name}-permission`,
      {
        siteId: args.siteId,
        appId: args.appId,
        displayName: args.displayName,
        roles: args.roles ?? ["read"],
        graphBaseUrl: args.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL,
      },
      { parent: this },
    );
    this.permissionId = permission.id;
    this.roles = permission.roles;
    this.registerOutputs({ permissionId: this.permissionId, roles: this.roles });
  }
}
