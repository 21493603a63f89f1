// `npm run worker:local`: the whole sync on this machine, no cloud and no credentials. Starts
// dynalite, s3rver and the Graph emulator with a generated library, runs the worker as a real child
// process for a full round, changes the library, runs an incremental round, and checks that the
// bucket equals the library byte for byte.
import { Command, InvalidArgumentError } from "commander";
import { describeAuthorisations } from "../../devtools/iam";
import { SITE_ID, WorkerHarness, mirrorMismatches, summaryOf, type WorkerExit } from "../../devtools/worker/harness";
import { SiteGrantProvider } from "../../components/site-grant";
import { SitePermissionsApi } from "../../components/site-permissions-api";
import { describeDotEnv, loadDotEnv } from "../../worker/src/config/dotenv";

// `.env`, when present: read without overriding what is set, and named. The stores, tables, bucket
// and Graph endpoint are this run's own; the worker's tuning variables are passed on to it.
const dotenv = loadDotEnv(process.env);
const dotenvSaid = describeDotEnv(dotenv);
if (dotenvSaid) console.error(dotenvSaid);
const PASSED_ON = ["SYNC_CONCURRENCY", "SYNC_LEASE_TTL_SECONDS", "SYNC_STALL_TIMEOUT_SECONDS", "LOG_LEVEL"] as const;
const passedOn = Object.fromEntries(
  PASSED_ON.filter((name) => process.env[name]).map((name) => [name, process.env[name]]),
);

function count(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
}

const program = new Command("worker:local")
  .description(
    "sync a generated SharePoint library into a local S3 twice (full, then incremental) and verify the mirror",
  )
  .option("--files <n>", "files in the generated library", count("--files"), 500)
  .option("--folders <n>", "folders in the generated library", count("--folders"), 25)
  .option("--latency <ms>", "latency the Graph emulator adds to every API response", count("--latency"), 20)
  .option("--concurrency <n>", "worker concurrency (default: the worker's own default)", count("--concurrency"));

function describe(label: string, exit: WorkerExit): void {
  const s = summaryOf(exit) as Record<string, unknown> & {
    finish?: Record<string, number>;
    graph: Record<string, number>;
    dynamoWrites: Record<string, number>;
  };
  console.log(`\n${label}: exit ${exit.code} in ${(exit.ms / 1000).toFixed(1)} s (including process start-up)`);
  console.log(
    `  mode ${String(s.mode)}, ${String(s.pages)} pages, ${String(s.items)} entries: ${String(s.downloaded)} downloaded, ` +
      `${String(s.metadataOnly)} metadata-only, ${String(s.unchanged)} unchanged, ${String(s.deleted)} deleted`,
  );
  console.log(
    `  ${(Number(s.bytes) / 1024 / 1024).toFixed(1)} MiB; Graph requests ${s.graph.requests} (throttled ${s.graph.throttled}); ` +
      `swept ${s.finish?.swept ?? 0}, paths updated ${s.finish?.pathsUpdated ?? 0}`,
  );
  console.log(`  DynamoDB writes: ${JSON.stringify(s.dynamoWrites)}`);
}

async function main(): Promise<void> {
  const opts = program.parse().opts<{ files: number; folders: number; latency: number; concurrency?: number }>();
  const h = await WorkerHarness.start({ latencyMs: opts.latency });
  try {
    console.log(`Graph emulator ${h.graph.baseUrl}, DynamoDB ${h.stores.dynamoEndpoint}, S3 ${h.stores.s3Endpoint}`);
    const iam = h.stores.iam!;
    console.log(
      `IAM enforced: every AWS call is authorised against stack ${iam.deployment.stack}'s task role ${iam.deployment.taskRole.arn} as the program generates it`,
    );
    const library = h.library();
    library.generate({ files: opts.files, folders: opts.folders, seed: 2026 });
    const args = opts.concurrency === undefined ? [] : ["--concurrency", String(opts.concurrency)];

    const env = h.env(passedOn);
    // The administrator's step (bootstrap/): the site permission Sites.Selected needs. This run's Graph emulator is
    // in open mode (the worker runs with --graph-auth none), so no token is sent; `npm run chain:local` runs the same
    // provider with an administrator's token against Graph's authorisation, and shows the 403 before the grant.
    const grants = new SiteGrantProvider(
      (baseUrl) => new SitePermissionsApi({ baseUrl, token: async () => undefined }),
    );
    const syncClientId = env.AZURE_CLIENT_ID!;
    const grant = await grants.create({
      siteId: SITE_ID,
      appId: syncClientId,
      displayName: "zero-secrets SharePoint sync",
      roles: ["read"],
      graphBaseUrl: h.graph.baseUrl,
    });
    const readBack = await grants.read(grant.id, grant.outs as never);
    console.log(
      `\nGrant (bootstrap/, as an administrator): site permission ${grant.id.slice(0, 16)}… gives app ${syncClientId} ${JSON.stringify(readBack.props.roles)} on the site`,
    );

    const full = await h.sync(args, env);
    describe("Full round", full);
    if (full.code !== 0) throw new Error(`the full round failed:\n${full.stderr}`);

    const files = [...library.expectedFiles().keys()];
    const folders = [...(await h.documents()).values()].filter((d) => d.kind === "folder").map((d) => String(d.itemId));
    for (const id of files.slice(0, 10)) library.updateFile(id, { size: 4096, seed: 7 });
    for (const id of files.slice(10, 15)) library.delete(id);
    for (let i = 0; i < 5; i++)
      library.addFile(folders[i % Math.max(folders.length, 1)] ?? null, `Added ${i}.txt`, Buffer.from(`added ${i}`));
    if (folders.length > 0) library.rename(folders[0], "Renamed folder");
    console.log("\nChanged the library: 10 updated, 5 deleted, 5 added, 1 folder renamed");

    const incremental = await h.sync(args, env);
    describe("Incremental round", incremental);
    if (incremental.code !== 0) throw new Error(`the incremental round failed:\n${incremental.stderr}`);

    const problems = await mirrorMismatches(h, library);
    console.log(
      problems.length === 0
        ? `\nMirror verified: ${library.expectedFiles().size} files in s3://${h.bucket}/sharepoint/${SITE_ID}/ match the library (sha256 and path).`
        : `\nMirror differs from the library:\n  ${problems.slice(0, 20).join("\n  ")}`,
    );
    const refused = iam.enforcer.denials().length;
    console.log(
      `\nIAM decisions for the worker: ${describeAuthorisations(iam.enforcer)}${refused ? "" : "; none refused"}`,
    );
    process.exitCode = problems.length === 0 && refused === 0 ? 0 : 1;
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exit(1);
});
