/**
 * The project's own stacks, composed under the mock runtime, pass the pack through the same gRPC
 * gate the engine uses: zero mandatory violations on the inputs (Analyze) and on the state
 * (AnalyzeStack). Runs as an update and as a preview, where outputs are unknown the way the
 * engine leaves them. Each stack uses its policy/config.<stack>.json, the file the workflows pass
 * as --policy-pack-config (it allow-lists the read-only pull-request identities, nothing else).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { runStackUnderMocks } from "../../tools/mock-runtime";
import { GateDiagnostic, GateResource, PolicyPackSession, startPolicyPack } from "../../tools/policy-gate";

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
      it(`${stack} ${preview ? "preview" : "update"}: zero mandatory violations`, async () => {
        const run = await runStackUnderMocks({ stack, preview });
        const resources: GateResource[] = run.resources.map((r) => ({
          urn: r.urn,
          type: r.type,
          name: r.name,
          parent: r.parent,
          provider: r.provider,
          inputs: r.inputs,
          outputs: r.outputs,
        }));
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
