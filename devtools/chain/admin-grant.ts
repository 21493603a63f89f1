// The administrator's side of the Sites.Selected chain, on this machine: a delegated Graph token
// for a developer account of the Entra emulator (what `az login` + `az account get-access-token`
// give a SharePoint administrator), and the SiteAccessGrant provider's create run with it against
// the Graph emulator, exactly as `pulumi up` in bootstrap/ runs it.
import { request } from "node:https";
import type { EntraEmulator } from "../entra";
import { SiteGrantProvider, type SiteGrantProps } from "../../components/site-grant";
import { SitePermissionsApi } from "../../components/site-permissions-api";

/** The administrator account the chain's Entra emulator knows. */
export const ADMIN_UPN = "sharepoint-admin@contoso.example";
/** What Graph needs to manage site permissions. */
export const ADMIN_SCOPES = ["Sites.FullControl.All"];

/** A delegated Graph token for `upn` (the Entra emulator's stand-in for an interactive sign-in). */
export function developerToken(entra: EntraEmulator, upn: string): Promise<string> {
  const body = new URLSearchParams({ upn, resource: "https://graph.microsoft.com" }).toString();
  const url = new URL(`${entra.authorityHost}/${entra.options.tenantId}/_emulator/developer-token`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", ca: entra.caPem, headers: { "content-type": "application/x-www-form-urlencoded" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            access_token?: string;
            error_description?: string;
          };
          if (answer.access_token) resolve(answer.access_token);
          else reject(new Error(`no token for ${upn}: ${answer.error_description ?? res.statusCode}`));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The provider of bootstrap/'s SiteAccessGrant, reaching the Graph emulator with `upn`'s token. */
export function grantProvider(entra: EntraEmulator, upn: string, graphCaPem?: string): SiteGrantProvider {
  return new SiteGrantProvider(
    (baseUrl) => new SitePermissionsApi({ baseUrl, token: () => developerToken(entra, upn), caPem: graphCaPem }),
  );
}

/** Runs the grant's create step (as `pulumi up` would) and returns the permission's id. */
export async function grantSiteAccess(
  entra: EntraEmulator,
  props: SiteGrantProps,
  upn = ADMIN_UPN,
  graphCaPem?: string,
): Promise<string> {
  const provider = grantProvider(entra, upn, graphCaPem);
  const checked = await provider.check(props, props);
  if (checked.failures?.length) throw new Error(checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  const created = await provider.create(props);
  return created.id;
}
