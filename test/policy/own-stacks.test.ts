/**
 * The project's own stacks, composed under the mock runtime, pass the pack through the same gRPC
 * gate the engine uses: zero mandatory violations on the inputs (Analyze) and on the state
 * (AnalyzeStack). Runs with the computed outputs mocked (what an update produces) and left unknown (a
 * preview of resources still to be created). Each stack uses its policy/config.<stack>.json, the file the
 * workflows pass as --policy-pack-config (it allow-lists the read-only pull-request identities, nothing else).
 * The recordings are the test run's shared ones (devtools/recorded-stacks.ts).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { recordedPlanRun, recordedStack } from "../../devtools/recorded-stacks";
import { GateDiagnostic, PolicyPackSession, startPolicyPack } from "../../tools/policy-gate";
import { toGateResource } from "../../tools/resource-snapshot";

function describeDiagnostics(ds: GateDiagnostic[]): string {
  return ds.map((d) => `${d.policyName} ${d.urn}: ${d.message}`).join("\n");
}

describe("policy pack on the project's own stacks (mock runtime, gRPC gate)", function () {
  this.timeout(180_000);

  for (const stack of ["dev", "prod"]) {
    let session: PolicyPackSession;
    const configFile = path.join(__dirname, "..", "..", "policy", `config.${stack}.json`);
    before(async () => {
      session = await startPolicyPack({ config: JSON.parse(fs.readFileSync(configFile, "utf8")) });
    });
    after(async () => {
      await session?.close();
    });

    it(`${stack}: the policy config allow-lists only read-only pull-request identities`, async () => {
      const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<
        string,
        { pullRequestIdentities?: string[] }
      >;
      assert.deepEqual(Object.keys(config).sort(), [
        "federation-admits-only-the-intended-workload",
        "federation-admits-only-the-intended-workload-stack",
      ]);
      for (const entry of Object.values(config)) {
        assert.deepEqual(Object.keys(entry), ["pullRequestIdentities"]);
        assert.ok(
          entry.pullRequestIdentities!.every((n) => /-preview/.test(n)),
          "only preview identities may admit pull requests",
        );
      }
    });

    for (const preview of [false, true]) {
      it(`${stack} ${preview ? "preview (unknown outputs)" : "update (mocked outputs)"}: zero mandatory violations`, async () => {
        const run = await (preview ? recordedStack(stack, { preview: true }) : recordedPlanRun(stack));
        const resources = run.resources.map((r) => toGateResource(r));
        // The check must have something to judge: the trust relationships are what the pack is about.
        assert.ok(
          resources.some((r) => r.type === "aws:iam/role:Role"),
          "the stack registered no IAM role",
        );
        assert.ok(
          resources.some((r) => r.type.includes("FederatedIdentityCredential")),
          "the stack registered no federated credential",
        );
        const diagnostics = [...(await session.analyze(resources)), ...(await session.analyzeStack(resources))];
        const mandatory = diagnostics.filter((d) => d.enforcementLevel === "mandatory");
        assert.deepEqual(mandatory, [], describeDiagnostics(mandatory));
      });
    }
  }
});
