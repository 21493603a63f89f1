/**
 * The administrator's bootstrap stack: one `SiteAccessGrant` per site of the environment, giving the sync identity
 * (the main stack's output `azureSyncClientId`) the site permission `Sites.Selected` needs. Graph requires
 * Sites.FullControl.All to make it, so this project runs with a SharePoint administrator's own sign-in (`az login`)
 * and never in CI. See docs/operations.md, "Granting site access".
 */
import * as pulumi from "@pulumi/pulumi";
import { loadBootstrapConfig } from "./config";
import { SiteAccessGrant } from "../components/site-grant";
import { siteLabel } from "../components/sync-task";

const config = loadBootstrapConfig();
const grants = config.siteIds.map(
  (siteId) =>
    new SiteAccessGrant(`site-${siteLabel(siteId)}`, {
      siteId,
      appId: config.syncClientId,
      displayName: config.displayName,
      roles: config.roles,
      graphBaseUrl: config.graphBaseUrl,
    }),
);

export const sitePermissionIds = pulumi.all(
  Object.fromEntries(config.siteIds.map((siteId, i) => [siteId, grants[i]!.permissionId])),
);
