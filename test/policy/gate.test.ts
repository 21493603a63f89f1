/**
 * The pack driven the way the Pulumi engine drives it: run-policy-pack spawned with the pack as
 * cwd, the Analyzer gRPC protocol (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack) over
 * loopback, secrets and unknowns in their wire form.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GateDiagnostic, PolicyPackSession, startPolicyPack, UNKNOWN_STRING } from "../../tools/policy-gate";
import { toConfigureRequest } from "../../tools/policy-gate/config";
import { gateResource, plantedResources, referenceResources } from "../../devtools/policy-fixtures/stacks";

function mandatory(ds: GateDiagnostic[]): GateDiagnostic[] {
  return ds.filter((d) => d.enforcementLevel === "mandatory");
}

function urnsOf(ds: GateDiagnostic[]): Set<string> {
  return new Set(ds.map((d) => d.urn));
}

describe("policy gate: the pack over the Analyzer gRPC protocol", function () {
  this.timeout(120_000);
  let session: PolicyPackSession;
  before(async () => {
    session = await startPolicyPack();
  });
  after(async () => {
    await session?.close();
  });

  it("describes the pack: every rule mandatory by default except the advisory ones, each configurable", async () => {
    const info = await session.info();
    assert.equal(info.name, "zero-secrets");
    const levels = Object.fromEntries(info.policies.map((p) => [p.name, p.enforcementLevel]));
    for (const name of [
      "no-minted-credentials",
      "no-credentials-in-ci",
      "no-secrets-in-workload-config",
      "federation-admits-only-the-intended-workload",
    ]) {
      assert.equal(levels[name], "mandatory", name);
      assert.equal(levels[`${name}-stack`], "mandatory", `${name}-stack`);
    }
    assert.equal(levels["app-registration-certificates"], "advisory");
    assert.ok(
      info.policies.every((p) => p.configSchema?.properties?.allowedResources),
      "every rule takes an allow-list",
    );
  });

  it("Analyze: a mandatory diagnostic for every planted secret, none for the zero-secrets resources", async () => {
    const planted = plantedResources();
    const found = urnsOf(mandatory(await session.analyze(planted)));
    for (const r of planted) assert.ok(found.has(r.urn), `no mandatory diagnostic for ${r.name}`);
    assert.deepEqual(await session.analyze(referenceResources()), []);
  });

  it("AnalyzeStack: the same on the stack's state", async () => {
    const planted = plantedResources();
    const diagnostics = await session.analyzeStack([...planted, ...referenceResources()]);
    const found = urnsOf(mandatory(diagnostics));
    for (const r of planted) assert.ok(found.has(r.urn), `no mandatory stack diagnostic for ${r.name}`);
    assert.equal(found.size, planted.length, "a reference resource was flagged");
    assert.ok(diagnostics.every((d) => d.policyName.endsWith("-stack")));
  });

  it("never sends a secret value back, even one marked secret on the wire", async () => {
    const planted = plantedResources();
    const text = JSON.stringify(await session.analyze(planted));
    for (const r of planted) {
      const strings = JSON.stringify(r.inputs).match(/"[^"]{30,}"/g) ?? [];
      for (const s of strings)
        if (!s.includes("repo:") && !s.includes("Statement"))
          assert.ok(!text.includes(s.slice(1, -1)), `value of ${r.name} leaked`);
    }
  });

  it("values unknown during preview reach the rules as unknowns (not the SDK's skip) and are reported, not passed", async () => {
    const role = gateResource("aws:iam/role:Role", "unknown-trust", { assumeRolePolicy: UNKNOWN_STRING });
    const ds = await session.analyze([role]);
    assert.deepEqual(
      ds.map((d) => [d.policyName, d.enforcementLevel]),
      [["values-unknown-during-preview", "advisory"]],
    );
    assert.match(ds[0].message, /unknown: assumeRolePolicy\)/);
    assert.ok(!ds.some((d) => /can't run policy/.test(d.message)), "the SDK's own unknown-value skip fired");
  });

  it("values unknown during preview: set mandatory, they block", async () => {
    const strict = await startPolicyPack({ config: { "values-unknown-during-preview": "mandatory" } });
    try {
      const ds = await strict.analyze([
        gateResource("aws:iam/role:Role", "unknown-trust", { assumeRolePolicy: UNKNOWN_STRING }),
      ]);
      assert.deepEqual(
        ds.map((d) => d.enforcementLevel),
        ["mandatory"],
      );
    } finally {
      await strict.close();
    }
  });

  it("checks configuration against the live pack's schemas before Configure", async () => {
    const { policies } = await session.info();
    assert.throws(
      () => toConfigureRequest({ "no-minted-credentials": "strict" }, policies),
      /enforcement level must be one of advisory, mandatory, disabled, remediate, got "strict"/,
    );
    assert.throws(
      () => toConfigureRequest({ "no-minted-credentials": { allowedResource: ["x"] } }, policies),
      /unknown property "allowedResource"; it accepts additionalTypes, allowedResources/,
    );
    assert.throws(
      () => toConfigureRequest({ "no-minted-credentials": { allowedResources: "x" } }, policies),
      /allowedResources": expected array, got string/,
    );
    assert.throws(() => toConfigureRequest({ all: ["advisory"] }, policies), /"all": enforcement level must be one of/);
  });
});

describe("policy gate: configuration changes enforcement", function () {
  this.timeout(120_000);

  it("advisory for all, disabled for one, allow-listed resources", async () => {
    const planted = plantedResources();
    const session = await startPolicyPack({
      config: {
        all: "advisory",
        "no-minted-credentials": "disabled",
        "no-secrets-in-workload-config": { enforcementLevel: "mandatory", allowedResources: ["keys-in-task"] },
      },
    });
    try {
      const ds = await session.analyze(planted);
      assert.ok(!ds.some((d) => d.policyName === "no-minted-credentials"), "a disabled rule reported");
      assert.deepEqual(
        [...urnsOf(mandatory(ds))].map((u) => u.split("::").pop()).sort(),
        ["entra-in-ssm", "secret-in-lambda", "token-in-description"],
        "only the workload rule stays mandatory, minus its allow-list",
      );
      assert.ok(
        ds.some(
          (d) => d.enforcementLevel === "advisory" && d.policyName === "federation-admits-only-the-intended-workload",
        ),
      );
    } finally {
      await session.close();
    }
  });

  it("rejects configuration the pack would misread, saying what to fix", async () => {
    await assert.rejects(
      startPolicyPack({ config: { "no-such-rule": "advisory" } }),
      /unknown policy "no-such-rule"; the pack has: no-minted-credentials/,
    );
  });

  it("reports a pack that fails to start with its own error output", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "broken-pack-"));
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(path.join(dir, "index.js"), "throw new Error('pack is broken on purpose');\n");
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "broken", version: "0.0.1", main: "index.js" }),
    );
    try {
      await assert.rejects(
        startPolicyPack({ packDir: dir }),
        /exited .* before serving:[\s\S]*pack is broken on purpose/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
