// The administrator's bootstrap program under the mock runtime: one SiteAccessGrant per site, each
// a dynamic resource whose provider is serialised into the plan (as the engine needs it), and a bad
// stack file refused by key.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { parseBootstrapConfig } from "../../bootstrap/config";
import { runStackUnderMocks, StackRun } from "../../tools/mock-runtime";

const BOOTSTRAP = path.resolve(__dirname, "..", "..", "bootstrap");

describe("bootstrap (the administrator's site grants)", function () {
  let prod: StackRun;
  before(async () => {
    prod = await runStackUnderMocks({ stack: "prod", projectDir: BOOTSTRAP });
  });

  it("grants the sync identity read on each site of the stack", () => {
    const grants = prod.resources.filter((r) => r.type === "zerosecrets:sync:SiteAccessGrant");
    assert.equal(grants.length, 2);
    const permissions = prod.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/sharepoint:SitePermission");
    assert.equal(permissions.length, 2);
    for (const p of permissions) {
      assert.equal(p.inputs.appId, "5a510fbb-ca29-40bd-90a0-f4c2cbb126b1");
      assert.deepEqual(p.inputs.roles, ["read"]);
      assert.equal(p.inputs.graphBaseUrl, "https://graph.microsoft.com/v1.0");
      assert.match(
        String(p.inputs.__provider),
        /SiteGrantProvider|administratorGraph/,
        "the provider travels with the plan",
      );
      assert.ok(grants.some((g) => g.urn === p.parent));
    }
    assert.deepEqual(
      permissions.map((p) => p.inputs.siteId).sort(),
      Object.keys(prod.outputs.sitePermissionIds as Record<string, string>).sort(),
    );
  });

  it("refuses a bad stack file, naming each key", () => {
    assert.throws(() => parseBootstrapConfig("qa", { siteIds: ["contoso"], syncClientId: "x", roles: ["admin"] }), {
      message:
        'Stack "qa" has invalid configuration (bootstrap/Pulumi.qa.yaml):\n' +
        "  - zerosecrets-bootstrap:siteIds[0]: expected a Graph site ID: hostname,siteCollectionId,siteId\n" +
        "  - zerosecrets-bootstrap:syncClientId: expected the sync identity's client ID (the main stack's output azureSyncClientId)\n" +
        '  - zerosecrets-bootstrap:roles[0]: Invalid option: expected one of "read"|"write"|"owner"|"fullcontrol"',
    });
  });
});
