// Everything a worker needs to run one sync through the zero-secret chain on this machine:
// the chain (task role, STS, Entra), the Graph emulator validating bearer tokens, dynalite and
// s3rver. workerEnv() is what an ECS task definition would hold: names, endpoints and IDs only.
// Shared by test/worker/credentials/worker-chain.test.ts and `npm run chain:local`.
import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GraphEmulator } from "../graph";
import { startLocalStores, type LocalStores } from "../local-stores";
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
  /** Run the administrator's grant before handing the world over. Default true; false to see the 403 first. */
  grantSiteAccess?: boolean;
}

export async function startChainWorld(opts: ChainWorldOptions = {}): Promise<ChainWorld> {
  const stores = await startLocalStores({ region: opts.region });
  const chain = await startChain({ ...opts, onCredentials: acceptInS3rver });
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

  const workerEnv = (): Record<string, string> => ({
    ...chain.env(),
    AWS_ENDPOINT_URL_DYNAMODB: stores.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: stores.s3Endpoint,
    GRAPH_BASE_URL: graph.baseUrl,
    SYNC_SITE_IDS: SITE_ID,
    CHECKPOINT_TABLE: "zs-checkpoints",
    STATE_TABLE: "zs-state",
    DOCUMENTS_TABLE: "zs-documents",
    LEASE_TABLE: "zs-lease",
    CONTENT_BUCKET: BUCKET,
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
    runWorker: (args, extraEnv = {}) =>
      runTs("worker/src/cli.ts", args, { ...workerEnv(), ...extraEnv }, { timeoutMs: 120_000 }),
    async bucketDigests() {
      const digests = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
        );
        for (const { Key } of page.Contents ?? []) {
          const body = await (
            await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))
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
