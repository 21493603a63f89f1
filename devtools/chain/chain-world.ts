// Everything a worker needs to run one sync through the zero-secret chain on this machine:
// the chain (task role, STS, Entra), the Graph emulator validating bearer tokens, dynalite and
// s3rver. workerEnv() is what an ECS task definition would hold: names, endpoints and IDs only.
// By default every AWS call (DynamoDB, S3 and STS's GetWebIdentityToken) is authorised against the
// dev stack's task role as the program generates it, with the stack's table and bucket names.
// Shared by test/worker/credentials/worker-chain.test.ts and `npm run chain:local`.
import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GraphEmulator } from "../graph";
import { loadDeployment, roleAccess, sessionArn, type Principal, type StackDeployment } from "../iam";
import { startLocalStores, type LocalStores } from "../local-stores";
import { WORKER_ENVIRONMENT as ENV } from "../../worker/src/contract";
import { acceptInS3rver, startChain, type Chain, type ChainOptions } from "./chain-fixture";
import { runTs, type ChildResult } from "./run-child";
import { grantSiteAccess } from "./admin-grant";

export const SITE_ID =
  "contoso.sharepoint.com,5a58bb09-1fba-41c1-8125-69da264370a0,9f2ec1da-0be4-4a74-917b-d4b0e8a8a3ac";
export const BUCKET = "zero-secrets-documents";

export interface ChainWorld {
  readonly chain: Chain;
  readonly graph: GraphEmulator;
  readonly stores: LocalStores;
  workerEnv(): Record<string, string>;
  /** Switches of `worker sync` here: none when the stack's tables and bucket exist (IAM enforced). */
  syncSwitches(): string[];
  /** Runs `npm run worker -- <args>` as its own process with workerEnv() only. */
  runWorker(args: string[], extraEnv?: Record<string, string>): Promise<ChildResult>;
  /** S3 key -> sha256 of what the bucket holds under this site's prefix. */
  bucketDigests(): Promise<Map<string, string>>;
  /** item id -> sha256 of what a correct mirror must hold. */
  expectedDigests(): Map<string, string>;
  /**
   * Runs before a Graph request the bearer check accepted is answered, with the count of accepted
   * requests since the world was handed over (the administrator's grant before it does not count): a test acts at an exact point of the run (e.g. rotates Entra's signing key after
   * the first accepted call) instead of at a wall-clock moment.
   */
  onAccepted?: (accepted: number) => Promise<void> | void;
  /** The administrator's step (bootstrap/): grant the sync identity `read` on the site; returns the permission id. */
  grantSiteAccess(): Promise<string>;
  close(): Promise<void>;
}

export interface ChainWorldOptions extends ChainOptions {
  files?: number;
  folders?: number;
  graphLatencyMs?: number;
  seed?: number;
  /** The stack whose IAM policies, tables and bucket apply; `false` for unenforced stores. Default: dev. */
  deployment?: StackDeployment | false;
  /** Run the administrator's grant before handing the world over. Default true; false to see the 403 first. */
  grantSiteAccess?: boolean;
}

export async function startChainWorld(opts: ChainWorldOptions = {}): Promise<ChainWorld> {
  const deployment = opts.deployment ?? (await loadDeployment("dev"));
  const stores = await startLocalStores(deployment === false ? { region: opts.region } : { deployment });
  const chain = await startChain({
    ...opts,
    region: deployment === false ? opts.region : deployment.region,
    taskRoleArn: deployment === false ? undefined : deployment.taskRole.arn,
    // Behind the enforcement layer s3rver sees the layer's key; without it, it must know the task role's.
    onCredentials: deployment === false ? acceptInS3rver : undefined,
  });
  let stsEndpoint = chain.sts.endpoint;
  if (stores.iam !== undefined && deployment !== false) {
    // The ECS endpoint's sessions carry the stack's task-role policy, whatever name the role has now (a redeploy).
    const sessions = new Map<string, Principal>();
    stores.iam.enforcer.principals.addResolver((key) => {
      const issued = chain.ecs.lookup(key);
      if (issued === undefined) return undefined;
      if (!sessions.has(key)) {
        sessions.set(key, {
          ...issued,
          arn: sessionArn(issued.roleArn, key.slice(-12).toLowerCase()),
          access: roleAccess(deployment.taskRole, issued.roleArn),
        });
      }
      return sessions.get(key);
    });
    stsEndpoint = await stores.iam.enforcer.front("sts", chain.sts.endpoint);
  }
  const bucket = deployment === false ? BUCKET : deployment.bucket.name;
  let world: ChainWorld | undefined;
  // Counted from the hand-over: the administrator's grant below is not the worker's first call.
  let acceptedBefore = 0;
  const graph = await GraphEmulator.start({
    authorise: async (req) => {
      const refusal = await chain.authorise(req);
      if (refusal === undefined) await world?.onAccepted?.(chain.authorise.stats.accepted - acceptedBefore);
      return refusal;
    },
    latencyMs: opts.graphLatencyMs ?? 0,
    seed: opts.seed ?? 7,
    pageSize: 50,
  });
  graph.site(SITE_ID).generate({
    files: opts.files ?? 60,
    folders: opts.folders ?? 8,
    seed: opts.seed ?? 7,
    minSize: 1,
    maxSize: 64 * 1024,
  });
  // The test process reads the bucket with s3rver's own account, not with the task role.
  const s3 = new S3Client({
    region: chain.region,
    endpoint: stores.s3Endpoint,
    forcePathStyle: true,
    credentials: stores.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  const prefix = `sharepoint/${SITE_ID}/`;

  // With IAM enforced, the stack's own task definition environment (the program ↔ worker contract), then the chain's
  // identities and the emulators' endpoints.
  const task = stores.iam?.deployment.taskEnvironment ?? {
    [ENV.checkpointTable]: "zs-checkpoints",
    [ENV.stateTable]: "zs-state",
    [ENV.documentsTable]: "zs-documents",
    [ENV.leaseTable]: "zs-lease",
    [ENV.contentBucket]: bucket,
  };
  const workerEnv = (): Record<string, string> => ({
    ...task,
    ...chain.env(),
    [ENV.dynamodbEndpoint]: stores.dynamoEndpoint,
    [ENV.s3Endpoint]: stores.s3Endpoint,
    [ENV.stsEndpoint]: stsEndpoint,
    [ENV.graphBaseUrl]: graph.baseUrl,
    [ENV.siteIds]: SITE_ID,
  });

  const grant = () =>
    grantSiteAccess(chain.entra, {
      siteId: SITE_ID,
      appId: chain.app.clientId,
      displayName: chain.app.displayName,
      roles: ["read"],
      graphBaseUrl: graph.baseUrl,
    });

  world = {
    chain,
    graph,
    stores,
    grantSiteAccess: grant,
    workerEnv,
    syncSwitches: () => (stores.iam ? [] : ["--create-missing"]),
    runWorker: (args, extraEnv = {}) =>
      runTs("worker/src/cli.ts", args, { ...workerEnv(), ...extraEnv }, { timeoutMs: 120_000 }),
    async bucketDigests() {
      const digests = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const { Key } of page.Contents ?? []) {
          const body = await (
            await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))
          ).Body!.transformToByteArray();
          // Keys are sharepoint/<site>/<itemId>/<version>: by item id, and a second object for an item shows up.
          const itemId = Key!.slice(prefix.length).split("/")[0];
          digests.set(
            digests.has(itemId) ? `${itemId} (extra object ${Key})` : itemId,
            createHash("sha256").update(body).digest("hex"),
          );
        }
        token = page.NextContinuationToken;
      } while (token);
      return digests;
    },
    expectedDigests() {
      return new Map([...graph.site(SITE_ID).expectedFiles()].map(([id, f]) => [id, f.sha256]));
    },
    async close() {
      s3.destroy();
      await graph.close();
      await chain.close();
      await stores.close();
    },
  };
  if (opts.grantSiteAccess !== false) await grant();
  acceptedBefore = chain.authorise.stats.accepted;
  return world;
}
