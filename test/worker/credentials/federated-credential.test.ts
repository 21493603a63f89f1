// The worker's Graph credential in its production (ECS) mode, in a child process with an ECS-like
// environment: task role -> STS GetWebIdentityToken -> Entra client assertion -> Graph token that
// a bearer-validating Graph endpoint accepts. (The misconfigurations the worker itself must explain
// are run through the whole worker in worker-chain.test.ts.)
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { startChain, type Chain } from "../../../devtools/chain/chain-fixture";
import { startGraphProbe } from "../../../devtools/chain/graph-probe";
import { runTs } from "../../../devtools/chain/run-child";

interface ProbeResult {
  ok: boolean;
  statuses: number[];
  failure?: string;
  code?: string;
  message?: string;
}

describe("federated Graph credential (ECS mode, through STS and Entra emulators)", function () {
  this.timeout(60_000);
  let chain: Chain;
  let probe: { url: string; close(): Promise<void> };

  const run = async (extraEnv: Record<string, string> = {}): Promise<ProbeResult> => {
    const child = await runTs("devtools/chain/graph-call.ts", [], {
      ...chain.env(),
      GRAPH_PROBE_URL: probe.url,
      ...extraEnv,
    });
    const line = child.stdout.trim().split("\n").pop() ?? "";
    assert.ok(line.startsWith("{"), `the probe printed no result; stderr: ${child.stderr}`);
    return JSON.parse(line) as ProbeResult;
  };

  beforeEach(async () => {
    chain = await startChain();
    probe = await startGraphProbe(chain.authorise);
  });
  afterEach(async () => {
    await probe.close();
    await chain.close();
  });

  it("gets a Graph token with no secret and Graph accepts it", async () => {
    const result = await run();
    assert.deepEqual(result, { ok: true, statuses: [200] });
    assert.equal(chain.sts.stats.tokensIssued, 1);
    assert.equal(chain.entra.stats.tokensIssued, 1);
    assert.equal(chain.authorise.stats.accepted, 1);
  });

  it("a federated credential trusting another issuer is refused: the message names the account issuer", async () => {
    chain.app.federatedCredentials[0] = {
      ...chain.app.federatedCredentials[0],
      issuer: chain.sts.issuer.toUpperCase(),
    };
    const result = await run();
    assert.equal(result.code, "AADSTS700211");
    assert.match(
      result.message!,
      new RegExp(`Set its issuer to the AWS account's outbound federation issuer.*: ${escape(chain.sts.issuer)}`),
    );
  });

  it("an app whose permission cannot read libraries is refused by Graph with 403 accessDenied", async () => {
    chain.app.graphAppRoles = ["User.Read.All"];
    const result = await run();
    assert.deepEqual(result.statuses, [403]);
  });

  it("refuses static secrets in the environment, Azure and AWS alike", async () => {
    const azure = await run({ AZURE_CLIENT_SECRET: randomBytes(24).toString("base64url") });
    assert.equal(azure.failure, "static-credential");
    assert.match(azure.message!, /AZURE_CLIENT_SECRET is set.*federation only/);
    const aws = await run({ AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64") });
    assert.equal(aws.failure, "static-credential");
    assert.match(aws.message!, /AWS_SECRET_ACCESS_KEY is set in a task that has a task role/);
    assert.equal(chain.sts.stats.tokensIssued, 0, "nothing was even attempted");
  });

  // MSAL renews a Graph token once less than five minutes of it are left, so a 299 s token is renewed on
  // every call: the renewals are certain, whatever the machine's speed, and no call waits for time to pass.
  it("renews Graph tokens during a run without a failed call, reusing the cached assertion", async () => {
    chain.entra.accessTokenLifetimeSeconds = 299;
    const result = await run({ CALLS: "4" });
    assert.deepEqual(result, { ok: true, statuses: [200, 200, 200, 200] });
    assert.equal(chain.entra.stats.tokensIssued, 4, "one renewal per call");
    assert.equal(chain.sts.stats.tokensIssued, 1, "the 300 s web identity token is cached, not minted per Graph token");
  });

  it("absorbs a signing-key rotation on the token endpoint", async () => {
    chain.entra.accessTokenLifetimeSeconds = 299;
    const before = chain.entra.keys.currentKid();
    let after: string | undefined;
    // Rotate while the first call is answered: every later token is signed with the new key.
    await probe.close();
    probe = await startGraphProbe(async (req) => {
      const refusal = await chain.authorise(req);
      if (refusal === undefined && chain.authorise.stats.accepted === 1) [after] = await chain.entra.rotateSigningKey();
      return refusal;
    });
    const result = await run({ CALLS: "4" });
    assert.deepEqual(result.statuses, [200, 200, 200, 200]);
    assert.equal(
      chain.authorise.stats.acceptedByKid[before],
      1,
      "the token signed before the rotation was accepted (the old key is still published)",
    );
    assert.equal(chain.authorise.stats.acceptedByKid[after!], 3, "tokens signed with the new key were accepted");
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
