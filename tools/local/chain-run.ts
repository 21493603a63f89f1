// `npm run chain:local`: the zero-secret chain end to end on this machine, in one command.
// Starts the task-role credentials endpoint, STS, Entra (HTTPS), the Graph emulator validating
// bearer tokens and enforcing Sites.Selected, dynalite and s3rver; runs the worker as its own
// process in production credential mode, which Graph refuses (403) until the administrator's grant
// (bootstrap/'s SiteAccessGrant provider, with a SharePoint administrator's token) gives the sync
// identity the site; then runs it again; prints each hop; checks the mirror; scans the run for
// secrets. Exit code 0 = all good.
import { dirname } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { startChainWorld, SITE_ID } from "../../devtools/chain/chain-world";
import { scanRun } from "../../devtools/chain/run-scan";
import { describeAuthorisations } from "../../devtools/iam";
import { describeDotEnv, loadDotEnv } from "../../worker/src/config/dotenv";

// `.env`, when present: read without overriding what is set, and named (every service of this run is
// its own, so nothing in the file changes where the worker connects).
const dotenvSaid = describeDotEnv(loadDotEnv(process.env));
if (dotenvSaid) console.error(dotenvSaid);

function wholeNumber(min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

const program = new Command("chain:local")
  .description("run a full sync through the zero-secret credential chain, every service emulated on 127.0.0.1")
  .option("--files <n>", "documents in the generated library", wholeNumber(1, 100_000), 200)
  .option(
    "--token-lifetime <seconds>",
    "Graph access-token lifetime (MSAL renews 5 minutes before expiry)",
    wholeNumber(1, 86_400),
    3599,
  )
  .parse();
const opts = program.opts<{ files: number; tokenLifetime: number }>();

const step = (n: number, title: string, lines: Record<string, unknown>) => {
  console.log(`\n${n}. ${title}`);
  for (const [k, v] of Object.entries(lines))
    console.log(`   ${k.padEnd(22)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
};

async function main(): Promise<number> {
  const world = await startChainWorld({
    files: opts.files,
    accessTokenLifetimeSeconds: opts.tokenLifetime,
    grantSiteAccess: false,
  });
  try {
    const { chain, graph } = world;
    console.log(`Zero-secret chain on loopback; library ${SITE_ID} with ${opts.files} documents.`);
    const beforeGrant = await world.runWorker(["sync", ...world.syncSwitches()]);
    const wasRefused = beforeGrant.code !== 0 && /403 accessDenied/.test(beforeGrant.stdout + beforeGrant.stderr);
    step(0, "Before the grant: the sync identity holds Sites.Selected and no site permission", {
      "worker exit code": String(beforeGrant.code),
      "Graph answered": wasRefused ? "403 accessDenied (as Graph does for Sites.Selected without a grant)" : "NOT 403",
      "drive calls refused": graph.sitePermissions.stats.refusedWithoutGrant,
    });
    const permissionId = await world.grantSiteAccess();
    const [granted] = graph.sitePermissions.list(SITE_ID);
    step(0.5, "Administrator grants the site (bootstrap/: SiteAccessGrant, Sites.FullControl.All, az login)", {
      "POST /sites/{id}/permissions": `201, permission ${permissionId.slice(0, 24)}…`,
      application: `${granted?.application.id} (${granted?.application.displayName ?? ""})`,
      roles: granted?.roles ?? [],
    });
    const started = Date.now();
    const run = await world.runWorker(["sync", ...world.syncSwitches()]);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    step(1, "ECS task role -> container credentials (no stored key)", {
      "task role": chain.ecs.roleArn,
      endpoint: chain.ecs.fullUri,
      "sessions handed out": chain.ecs.issuedCount,
    });
    const assertion = chain.sts.issuedTokens[0];
    step(
      2,
      "STS GetWebIdentityToken (regional endpoint) -> JWT",
      assertion
        ? {
            endpoint: chain.sts.endpoint,
            ...pick(decodeJwt(assertion), ["iss", "sub", "aud"]),
            lifetime: `${lifetime(assertion)} s`,
            alg: decodeProtectedHeader(assertion).alg,
            "tokens minted": chain.sts.stats.tokensIssued,
          }
        : { result: "no token minted", refused: chain.sts.stats.refused },
    );
    const fc = chain.app.federatedCredentials[0];
    const access = chain.entra.issuedTokens.at(-1);
    step(3, "Entra client assertion -> Graph access token", {
      authority: chain.entra.authorityHost,
      "federated credential": `${fc.name}: issuer=${fc.issuer} subject=${fc.subject} audiences=${fc.audiences.join(",")}`,
      ...(access
        ? {
            ...pick(decodeJwt(access), ["aud", "roles", "appid"]),
            kid: decodeProtectedHeader(access).kid,
            lifetime: `${lifetime(access)} s`,
          }
        : {}),
      "tokens issued": chain.entra.stats.tokensIssued,
      refusals: chain.entra.stats.refusals,
    });
    step(4, "Graph (bearer tokens validated with Entra's public keys)", {
      "calls accepted": chain.authorise.stats.accepted,
      "calls refused": chain.authorise.stats.refused,
      "delta pages": graph.stats.deltaPages,
      downloads: graph.stats.downloads,
    });
    const [bucket, expected] = [await world.bucketDigests(), world.expectedDigests()];
    const mirrorOk = bucket.size === expected.size && [...expected].every(([k, v]) => bucket.get(k) === v);
    step(5, "Worker -> S3 and DynamoDB", {
      "worker exit code": String(run.code),
      duration: `${seconds} s`,
      "objects in bucket": bucket.size,
      "mirror equals library": mirrorOk ? "yes" : "NO",
    });
    const iam = world.stores.iam!;
    const refused = iam.enforcer.denials().length;
    step(6, "IAM enforcement (the stack's task-role policy, as the program generates it)", {
      "task role": iam.deployment.taskRole.arn,
      decisions: describeAuthorisations(iam.enforcer),
      refused: refused === 0 ? "none" : String(refused),
    });
    const scan = await scanRun({
      env: world.workerEnv(),
      logs: {
        "worker stdout": run.stdout,
        "worker stderr": run.stderr,
        "refused worker stdout": beforeGrant.stdout,
        "refused worker stderr": beforeGrant.stderr,
      },
      directories: [world.stores.s3Directory, dirname(chain.entra.caFile)],
      issuedCredentials: chain.issuedCredentials(),
    });
    step(7, "No-secret scan of the run (policy/detect + every credential issued)", {
      scanned: `${scan.scanned.variables} variables, ${scan.scanned.logs} logs, ${scan.scanned.files} files`,
      findings: scan.findings.length ? scan.findings.map((f) => `${f.where}: ${f.message}`) : "none",
    });
    if (run.code !== 0)
      console.log(
        `\nWorker output (last lines):\n${(run.stderr + run.stdout).trim().split("\n").slice(-8).join("\n")}`,
      );
    return wasRefused && run.code === 0 && mirrorOk && scan.findings.length === 0 && refused === 0 ? 0 : 1;
  } finally {
    await world.close();
  }
}

function pick(claims: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in claims).map((k) => [k, claims[k]]));
}

function lifetime(token: string): number {
  const { iat, exp } = decodeJwt(token);
  return (exp ?? 0) - (iat ?? 0);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chain:local failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
