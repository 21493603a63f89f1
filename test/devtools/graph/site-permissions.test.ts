// The Graph emulator's site permissions and the Sites.Selected rule, and the SiteAccessGrant
// provider's create/read/update/delete against them with an administrator's token.
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { EntraEmulator } from "../../../devtools/entra";
import { graphBearerAuthorise } from "../../../devtools/entra/graph-bearer";
import { GraphEmulator } from "../../../devtools/graph";
import { ADMIN_UPN, developerToken, grantProvider } from "../../../devtools/chain/admin-grant";
import { GraphRequestError, SitePermissionsApi } from "../../../components/site-permissions-api";
import type { SiteGrantProps } from "../../../components/site-grant";

const SITE = "contoso.sharepoint.com,5a58bb09-1fba-41c1-8125-69da264370a0,9f2ec1da-0be4-4a74-917b-d4b0e8a8a3ac";
const READER = "reader@contoso.example";

describe("Graph site permissions (emulator) and the SiteAccessGrant provider", function () {
  this.timeout(30_000);
  let entra: EntraEmulator;
  let graph: GraphEmulator;
  const syncApp = randomUUID();

  before(async () => {
    entra = await EntraEmulator.start({
      tenantId: randomUUID(),
      applications: [],
      developers: [
        { upn: ADMIN_UPN, graphScopes: ["Sites.FullControl.All"] },
        { upn: READER, graphScopes: ["Sites.Read.All"] },
      ],
    });
    graph = await GraphEmulator.start({
      authorise: graphBearerAuthorise({ issuer: entra.issuer, jwksUri: entra.jwksUri, caPem: entra.caPem }),
    });
    graph.site(SITE).generate({ files: 2, folders: 1, seed: 3 });
  });
  after(async () => {
    await graph.close();
    await entra.close();
  });

  const api = (upn: string) =>
    new SitePermissionsApi({ baseUrl: graph.baseUrl, token: () => developerToken(entra, upn) });
  const props = (roles: SiteGrantProps["roles"] = ["read"]): SiteGrantProps => ({
    siteId: SITE,
    appId: syncApp,
    displayName: "zero-secrets sync",
    roles,
    graphBaseUrl: graph.baseUrl,
  });

  it("creates, reads, lists, updates and deletes a permission with Graph's shapes", async () => {
    const admin = api(ADMIN_UPN);
    const created = await admin.create(SITE, syncApp, ["write"], "zero-secrets sync");
    assert.deepEqual(created.roles, ["write"]);
    assert.equal(created.appId, syncApp);
    assert.match(
      Buffer.from(created.id, "base64url").toString("utf8"),
      new RegExp(`^i:0i\\.t\\|ms\\.sp\\.ext\\|${syncApp}@`),
    );
    assert.deepEqual(await admin.get(SITE, created.id), created);
    assert.deepEqual(await admin.list(SITE), [created]);
    assert.deepEqual((await admin.updateRoles(SITE, created.id, ["read"])).roles, ["read"]);
    await admin.delete(SITE, created.id);
    assert.equal(await admin.get(SITE, created.id), undefined);
    assert.deepEqual(graph.sitePermissions.list(SITE), []);
  });

  it("refuses a caller without Sites.FullControl.All, and bad bodies, as Graph does", async () => {
    await assert.rejects(api(READER).create(SITE, syncApp, ["read"]), (err: GraphRequestError) => {
      assert.equal(err.status, 403);
      assert.equal(err.code, "accessDenied");
      assert.match(err.message, /needs Sites\.FullControl\.All: run this as a SharePoint administrator/);
      return true;
    });
    await assert.rejects(api(ADMIN_UPN).create(SITE, syncApp, ["admin" as never]), /400: roles: "admin" is not one of/);
    await assert.rejects(
      api(ADMIN_UPN).create(SITE, "not-a-guid", ["read"]),
      /400: grantedToIdentities must hold exactly one/,
    );
    const unknownSite = SITE.replace("5a58bb09", "00000000");
    await assert.rejects(
      api(ADMIN_UPN).create(unknownSite, syncApp, ["read"]),
      /404: Requested site could not be found.*Check the site ID/,
    );
  });

  it("provider: creates the grant, detects drift and deletion on read, puts roles back on update", async () => {
    const provider = grantProvider(entra, ADMIN_UPN);
    assert.deepEqual((await provider.check(props(), props())).failures, undefined);
    const { id, outs } = await provider.create(props());
    assert.deepEqual(outs.roles, ["read"]);
    assert.deepEqual(
      graph.sitePermissions.list(SITE).map((p) => p.roles),
      [["read"]],
    );

    // Someone widens the grant in SharePoint: refresh sees it, and the diff wants it back.
    await api(ADMIN_UPN).updateRoles(SITE, id, ["write"]);
    const read = await provider.read(id, outs as SiteGrantProps);
    assert.equal(read.id, id);
    assert.deepEqual(read.props.roles, ["write"]);
    const diff = await provider.diff(id, read.props as SiteGrantProps, props());
    assert.deepEqual([diff.changes, diff.replaces], [true, []]);
    const updated = await provider.update(id, read.props as SiteGrantProps, props());
    assert.deepEqual(updated.outs.roles, ["read"]);
    assert.deepEqual(
      graph.sitePermissions.list(SITE).map((p) => p.roles),
      [["read"]],
    );

    // Deleted outside Pulumi: read reports it gone (empty id), so refresh drops it and up recreates it.
    await api(ADMIN_UPN).delete(SITE, id);
    assert.equal((await provider.read(id, props())).id, "");
    await provider.delete(id, props()); // already gone: still fine
    const other = await provider.diff(id, props(), { ...props(), appId: randomUUID() });
    assert.deepEqual(other.replaces, ["appId"]);
  });

  it("provider: check names every bad input", async () => {
    const { failures } = await grantProvider(entra, ADMIN_UPN).check(props(), {
      siteId: "contoso",
      appId: "app",
      roles: [],
      graphBaseUrl: "http://graph.example",
    });
    assert.deepEqual(
      failures!.map((f) => f.property),
      ["siteId", "appId", "roles", "graphBaseUrl"],
    );
  });
});
