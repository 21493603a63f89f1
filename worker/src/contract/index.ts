/**
 * The contracts the Pulumi program and the sync worker share, in one place.
 *
 * It lives inside the worker (the container build copies only `worker/src`), and the program imports it from here:
 * the task definition's environment, the table keys, the content prefix the task role is limited to, the ID and
 * region patterns both sides validate with, the exit codes the state machine routes on, the metric names the alarms
 * read, the Entra token-exchange audience and GitHub's OIDC issuer. A name or
 * pattern that changes here changes on both sides, and `test/program/worker-contract.test.ts` feeds the task
 * definition of both stacks to the worker's own `loadConfig`.
 *
 * This file imports nothing, so the program's type-check does not pull in the worker's dependencies.
 */

/**
 * Every environment variable the worker reads (`worker/src/config/load.ts` has exactly one schema entry per name:
 * its `satisfies` clause fails to compile otherwise), by the role it plays.
 */
export const WORKER_ENVIRONMENT = {
  tenantId: "AZURE_TENANT_ID",
  clientId: "AZURE_CLIENT_ID",
  authorityHost: "AZURE_AUTHORITY_HOST",
  siteIds: "SYNC_SITE_IDS",
  checkpointTable: "CHECKPOINT_TABLE",
  stateTable: "STATE_TABLE",
  documentsTable: "DOCUMENTS_TABLE",
  leaseTable: "LEASE_TABLE",
  contentBucket: "CONTENT_BUCKET",
  region: "AWS_REGION",
  graphBaseUrl: "GRAPH_BASE_URL",
  concurrency: "SYNC_CONCURRENCY",
  leaseTtlSeconds: "SYNC_LEASE_TTL_SECONDS",
  stallTimeoutSeconds: "SYNC_STALL_TIMEOUT_SECONDS",
  endpoint: "AWS_ENDPOINT_URL",
  dynamodbEndpoint: "AWS_ENDPOINT_URL_DYNAMODB",
  s3Endpoint: "AWS_ENDPOINT_URL_S3",
  stsEndpoint: "AWS_ENDPOINT_URL_STS",
  sqsEndpoint: "AWS_ENDPOINT_URL_SQS",
  downloadQueueUrl: "DOWNLOAD_QUEUE_URL",
  downloadDeadLetterQueueUrl: "DOWNLOAD_DEAD_LETTER_QUEUE_URL",
} as const;

/** A variable the worker reads; nothing else may appear in a task definition's environment. */
export type WorkerEnvironmentName = (typeof WORKER_ENVIRONMENT)[keyof typeof WORKER_ENVIRONMENT];

/**
 * What a deployed task's container environment holds: public IDs and resource names only. Endpoints, concurrency
 * and the lease lifetime keep the worker's defaults in AWS; `GRAPH_BASE_URL` only for sovereign clouds. A fan-out
 * site's runs add the download queues (`FanOutEnvironment`) through the schedule's container override.
 */
export type TaskEnvironment = Readonly<
  Record<
    | typeof WORKER_ENVIRONMENT.tenantId
    | typeof WORKER_ENVIRONMENT.clientId
    | typeof WORKER_ENVIRONMENT.siteIds
    | typeof WORKER_ENVIRONMENT.checkpointTable
    | typeof WORKER_ENVIRONMENT.stateTable
    | typeof WORKER_ENVIRONMENT.documentsTable
    | typeof WORKER_ENVIRONMENT.leaseTable
    | typeof WORKER_ENVIRONMENT.contentBucket
    | typeof WORKER_ENVIRONMENT.region,
    string
  > &
    Partial<Record<typeof WORKER_ENVIRONMENT.graphBaseUrl, string>>
>;

/** What a fan-out site's `sync` and `consume` runs add to the task's environment. */
export type FanOutEnvironment = Readonly<
  Record<typeof WORKER_ENVIRONMENT.downloadQueueUrl | typeof WORKER_ENVIRONMENT.downloadDeadLetterQueueUrl, string>
>;

/** The worker's four tables, by role. */
export type TableRole = "checkpoints" | "state" | "documents" | "lease";

/** The environment variable that names each table. */
export const TABLE_ENVIRONMENT: Readonly<Record<TableRole, WorkerEnvironmentName>> = {
  checkpoints: WORKER_ENVIRONMENT.checkpointTable,
  state: WORKER_ENVIRONMENT.stateTable,
  documents: WORKER_ENVIRONMENT.documentsTable,
  lease: WORKER_ENVIRONMENT.leaseTable,
};

/** Key schema of each table: string attributes, the site as partition key, the item as sort key of documents. */
export const TABLE_KEYS: Readonly<Record<TableRole, { readonly hash: string; readonly range?: string }>> = {
  checkpoints: { hash: "siteId" },
  state: { hash: "siteId" },
  documents: { hash: "siteId", range: "itemId" },
  lease: { hash: "siteId" },
};

/**
 * Synced content lives under this key prefix; the task role reaches nothing else. Each upload of an item has a key of
 * its own, `sharepoint/<siteId>/<itemId>/<fence>-<nonce>`; the item's current one is its document row's `s3Key`.
 */
export const CONTENT_PREFIX = "sharepoint/";

/** Every version of an item's content lives under this prefix. */
export function itemPrefix(siteId: string, itemId: string): string {
  return `${CONTENT_PREFIX}${siteId}/${itemId}/`;
}

/** S3 key of one upload (`version`: the writer's fence and a nonce, `<fence>-<nonce>`). */
export function contentKey(siteId: string, itemId: string, version: string): string {
  return `${itemPrefix(siteId, itemId)}${version}`;
}

/** Entra tenant, client, subscription and object IDs. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A DNS host name with at least one dot (a SharePoint host such as contoso.sharepoint.com). */
export const HOSTNAME_PATTERN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
/**
 * A Graph site ID as the stack configures it and the worker splits it: `hostname,siteCollectionId,siteId`. The
 * worker reads `SYNC_SITE_IDS` as a comma-separated list, so a host without a dot or a malformed GUID would be read as
 * several IDs: the stack refuses those.
 */
export const GRAPH_SITE_ID_PATTERN = new RegExp(
  `^${unanchored(HOSTNAME_PATTERN)},${unanchored(GUID_PATTERN)},${unanchored(GUID_PATTERN)}$`,
  "i",
);
/** AWS region names (ap-southeast-2, us-gov-west-1, eu-central-2). */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** S3 bucket names (general purpose): 3 to 63 lower-case letters, digits, dots and hyphens. */
export const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** DynamoDB table names. */
export const DYNAMODB_TABLE_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/** The audience Entra expects in every federated assertion (GitHub's and AWS's alike). */
export const ENTRA_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/**
 * The web identity token the worker asks STS for, which the task role's policy pins with `sts:SigningAlgorithm` and
 * `sts:DurationSeconds` (and Entra accepts: RS256, at most an hour).
 */
export const WEB_IDENTITY_TOKEN = { algorithm: "RS256", lifetimeSeconds: 300 } as const;

/**
 * The worker's exit codes (sysexits.h where one fits). The Step Functions definition routes on them and the task
 * alarms count the failing ones; docs/worker.md has the table for operators.
 */
export const WORKER_EXIT = {
  ok: 0,
  /** The round did not complete (a store failed, the watchdog saw no progress); the next run resumes. */
  failed: 1,
  /** `sync --max-duration` ran out at a durable checkpoint with work left; lease released, the next run resumes there. */
  moreWork: 3,
  /** EX_DATAERR: the round completed, but items are in quarantine (`status` lists them; QuarantinedItems counts them). */
  completedWithQuarantine: 65,
  /** EX_TEMPFAIL: another worker holds (or took over) the site's lease, or ours may have expired; try again later. */
  leaseHeld: 75,
  /** EX_CONFIG: the configuration is invalid; the message names every problem. */
  config: 78,
  /** Stopped by SIGINT / SIGTERM (128 + signal number), checkpoint written, lease released. */
  interrupted: { SIGINT: 130, SIGTERM: 143 },
} as const;

/** The CloudWatch namespace and dimension of the metrics the worker writes in Embedded Metric Format. */
export const METRICS_NAMESPACE = "ZeroSecrets/Sync";
export const SITE_DIMENSION = "SiteId";
/** Written by the worker at the end of every run, dimensioned by SiteId; the stack's alarms and dashboard read them. */
export const WORKER_METRIC = {
  runs: "Runs",
  runsFailed: "RunsFailed",
  roundsCompleted: "RoundsCompleted",
  items: "ItemsProcessed",
  bytes: "BytesDownloaded",
  pages: "Pages",
  throttled: "ThrottledRequests",
  quarantined: "QuarantinedItems",
  roundDuration: "RoundDurationSeconds",
  sinceLastRound: "SecondsSinceLastCompletedRound",
} as const;

/** GitHub Actions' OIDC issuer host; an enterprise with a custom issuer appends `/<slug>`. */
export const GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com";
/** GitHub Actions' OIDC issuer URL. */
export const GITHUB_ISSUER = `https://${GITHUB_ISSUER_HOST}`;

function unanchored(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, "").replace(/\$$/, "");
}
