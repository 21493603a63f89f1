// The laptop path: no container credentials, so the worker's Graph credential is DefaultAzureCredential,
// which finds `az` on PATH. The stand-in az answers as the real CLI does, with a delegated token from
// the Entra emulator, and the bearer-validating Graph endpoint accepts it.
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { startChain, type Chain } from "../../../devtools/chain/chain-fixture";
import { startGraphProbe } from "../../../devtools/chain/graph-probe";
import { REPO_ROOT, runTs } from "../../../devtools/chain/run-child";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

describe("developer Graph credential (az login through DefaultAzureCredential)", function () {
  this.timeout(60_000);
  let chain: Chain;
  let probe: { url: string; close(): Promise<void> };
  let configDir: string;
  let env: Record<string, string>;

  before(async () => {
    chain = await startChain();
    probe = await startGraphProbe(chain.authorise);
    configDir = mkdtempSync(join(tmpdir(), "zs-azure-config-"));
    const { AWS_CONTAINER_CREDENTIALS_FULL_URI: _inAws, AWS_ENDPOINT_URL_STS: _sts, ...laptop } = chain.env();
    env = {
      ...laptop,
      PATH: [join(REPO_ROOT, "devtools/az"), process.env.PATH].join(delimiter),
      AZURE_CONFIG_DIR: configDir,
      GRAPH_PROBE_URL: probe.url,
    };
  });
  after(async () => {
    await probe.close();
    await chain.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  // Asynchronous on purpose: the Entra emulator answering `az` runs in this very process.
  const az = async (...args: string[]) =>
    (await promisify(execFile)("az", args, { env: { ...env, HOME: configDir }, encoding: "utf8" })).stdout;
  const probeGraph = async () =>
    JSON.parse((await runTs("devtools/chain/graph-call.ts", [], env)).stdout.trim().split("\n").pop()!);

  it("before `az login`, fails with a message telling the developer to sign in", async () => {
    const result = await probeGraph();
    assert.equal(result.failure, "developer-sign-in");
    assert.match(result.message, new RegExp(`run \`az login --tenant ${chain.tenantId}\``));
  });

  it("answers get-access-token in the real CLI's shape", async () => {
    await az("login", "--tenant", chain.tenantId, "--username", "developer@contoso.example");
    const out = JSON.parse(
      await az(
        "account",
        "get-access-token",
        "--output",
        "json",
        "--resource",
        "https://graph.microsoft.com",
        "--tenant",
        chain.tenantId,
      ),
    );
    assert.deepEqual(Object.keys(out).sort(), ["accessToken", "expiresOn", "expires_on", "tenant", "tokenType"]);
    assert.match(out.expiresOn, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.equal(typeof out.expires_on, "number");
    assert.equal(out.tokenType, "Bearer");
  });

  it("after `az login`, the worker's credential gets a delegated token that Graph accepts", async () => {
    await az("login", "--tenant", chain.tenantId, "--username", "developer@contoso.example");
    const result = await probeGraph();
    assert.deepEqual(result, { ok: true, statuses: [200] });
    assert.equal(chain.sts.stats.tokensIssued, 0, "the laptop path never touches STS");
  });

  it("an account the tenant does not know is refused with Entra's message", async () => {
    await az("login", "--tenant", chain.tenantId, "--username", "stranger@contoso.example");
    await assert.rejects(
      az("account", "get-access-token", "--output", "json", "--resource", "https://graph.microsoft.com"),
      (err: { stderr: string }) =>
        /AADSTS50034: The user account stranger@contoso\.example does not exist/.test(err.stderr),
    );
  });
});
