// The worker itself, in its production credential mode (no --graph-auth none), run as its own
// process with only what an ECS task has in its environment, syncs a library through the whole
// chain: task role -> STS -> Entra -> Graph (validating bearer tokens) -> S3 and DynamoDB.
// Misconfigurations stop it with a message that says what to fix; nothing secret is left behind.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { SITE_ID, startChainWorld, type ChainWorld } from "../../../devtools/chain/chain-world";
import { scanRun } from "../../../devtools/chain/run-scan";

const SYNC = ["sync"];

describe("the worker syncs through the zero-secret chain", function () {
  this.timeout(120_000);
  let world: ChainWorld;

  afterEach(async () => world?.close());

  it("mirrors the library exactly, with no secret in any variable, log or file of the run", async () => {
    world = await startChainWorld({ files: 60 });
    const run = await world.runWorker(SYNC);
    assert.equal(run.code, 0, `the worker failed:\n${run.stderr}\n${run.stdout.slice(-3000)}`);
    assert.deepEqual(await world.bucketDigests(), world.expectedDigests());
    const { chain } = world;
    assert.ok(chain.sts.stats.tokensIssued >= 1, "STS minted the web identity token");
    assert.ok(chain.entra.stats.tokensIssued >= 1, "Entra issued a Graph token");
    // An hour-long token is cached: only calls racing for the very first one can ask Entra again.
    assert.ok(
      chain.entra.stats.tokensIssued <= 16,
      `tokens are cached (${chain.entra.stats.tokensIssued} tokens for ${chain.authorise.stats.accepted} calls)`,
    );
    assert.ok(chain.authorise.stats.accepted > 60, "every Graph API call carried a valid bearer token");
    assert.deepEqual(chain.authorise.stats.refused, {});

    const record = {
      env: world.workerEnv(),
      logs: { "worker stdout": run.stdout, "worker stderr": run.stderr },
      directories: [world.stores.s3Directory, dirname(chain.entra.caFile)],
      issuedCredentials: chain.issuedCredentials(),
    };
    const { findings, scanned } = await scanRun(record);
    assert.deepEqual(findings, []);
    assert.ok(scanned.files > 0 && scanned.variables > 5);

    // The scan can fail: the same run with one issued credential and one credential-shaped value
    // planted in its log is caught twice.
    const planted = await scanRun({
      ...record,
      logs: { "planted log": `${run.stdout}\n${record.issuedCredentials[0]}\nkey=AKIA${randomBase32(16)}` },
    });
    assert.deepEqual(planted.findings.map((f) => f.ruleId).sort(), [
      "@secretlint/secretlint-rule-aws",
      "chain/issued-credential",
    ]);
  });

  it("renews Graph tokens during a round without a failed item, and absorbs a key rotation", async () => {
    // MSAL treats a token with less than 5 minutes left as expired, so a 299 s token is renewed on every
    // call: renewals happen by construction, not after some seconds of wall time. The signing key is
    // rotated while the first accepted call is being answered, so every later token is signed with
    // the new key.
    world = await startChainWorld({ files: 20, accessTokenLifetimeSeconds: 299 });
    const before = world.chain.entra.keys.currentKid();
    let after: string | undefined;
    world.onAccepted = async (accepted) => {
      if (accepted === 1) [after] = await world.chain.entra.rotateSigningKey();
    };
    const run = await world.runWorker(SYNC, { SYNC_CONCURRENCY: "2" });
    assert.equal(run.code, 0, `the worker failed:\n${run.stderr}\n${run.stdout.slice(-3000)}`);
    assert.deepEqual(await world.bucketDigests(), world.expectedDigests());
    assert.deepEqual(world.chain.authorise.stats.refused, {}, "no Graph call was refused");
    assert.ok(world.chain.entra.stats.tokensIssued > 2, "tokens were renewed during the round");
    assert.equal(world.chain.sts.stats.tokensIssued, 1, "one 300 s web identity token served every renewal");
    assert.ok(
      world.chain.authorise.stats.acceptedByKid[before] >= 1 && world.chain.authorise.stats.acceptedByKid[after!] > 1,
      "both keys signed accepted tokens",
    );
  });

  // Each misconfiguration of the stack, and what the worker must tell the operator to change.
  const misconfigurations: Array<[string, (world: ChainWorld) => void, (world: ChainWorld) => RegExp]> = [
    [
      "a task running as another role",
      (w) => (w.chain.ecs.roleArn = "arn:aws:iam::111122223333:role/another-task"),
      () => /AADSTS700213.*Set its subject to exactly the task role ARN arn:aws:iam::111122223333:role\/another-task/,
    ],
    [
      "a federated credential with another audience",
      (w) =>
        (w.chain.app.federatedCredentials[0] = {
          ...w.chain.app.federatedCredentials[0],
          audiences: ["api://AzureADTokenExchange/"],
        }),
      () => /AADSTS700212.*Its audiences must be \[api:\/\/AzureADTokenExchange\]/,
    ],
    [
      "an expired web identity token",
      (w) => (w.chain.entra.clockOffsetSeconds = 605),
      () => /AADSTS700024.*outside its valid time range.*clocks/,
    ],
    [
      "a web identity token altered in transit",
      (w) => (w.chain.sts.tamper = (claims) => ({ ...claims, sub: "arn:aws:iam::111122223333:role/admin" })),
      () => /AADSTS700027.*could not verify the web identity token's signature/,
    ],
    [
      "an app without a Graph permission",
      (w) => (w.chain.app.graphAppRoles = []),
      (w) =>
        new RegExp(
          `app registration ${w.chain.app.clientId} without any Graph application permission.*Sites\\.Selected`,
        ),
    ],
  ];
  for (const [what, misconfigure, says] of misconfigurations) {
    it(`${what}: the worker stops, says what to fix and writes nothing`, async () => {
      world = await startChainWorld({ files: 3 });
      misconfigure(world);
      const run = await world.runWorker(SYNC);
      assert.notEqual(run.code, 0);
      assert.match(run.stdout + run.stderr, says(world));
      assert.equal((await world.bucketDigests()).size, 0);
    });
  }

  it("is refused with Graph's 403 until an administrator grants the site, then syncs", async () => {
    world = await startChainWorld({ files: 5, grantSiteAccess: false });
    const refused = await world.runWorker(SYNC);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /Graph said 403 accessDenied: Access denied/);
    assert.match(refused.stdout + refused.stderr, /a SharePoint administrator must also grant the app the site/);
    assert.ok(world.graph.sitePermissions.stats.refusedWithoutGrant > 0);
    assert.equal((await world.bucketDigests()).size, 0);

    await world.grantSiteAccess();
    assert.deepEqual(
      world.graph.sitePermissions.list(SITE_ID).map((p) => [p.application.id, p.roles]),
      [[world.chain.app.clientId, ["read"]]],
    );
    const run = await world.runWorker(SYNC);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await world.bucketDigests(), world.expectedDigests());
  });

  it("refuses to start with static credentials in its environment", async () => {
    world = await startChainWorld({ files: 3 });
    const run = await world.runWorker(SYNC, { AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64") });
    assert.notEqual(run.code, 0);
    assert.match(run.stdout + run.stderr, /AWS_SECRET_ACCESS_KEY is set in a task that has a task role/);
    assert.equal(world.chain.sts.stats.tokensIssued, 0);
  });
});

function randomBase32(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return Array.from(randomBytes(length), (b) => alphabet[b % 32]).join("");
}
