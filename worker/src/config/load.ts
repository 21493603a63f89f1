// Reads and validates the worker's configuration: the environment (public IDs and names only) plus
// the command-line switches. Every problem is collected and reported in ONE error, so a broken task
// definition is fixed in one go rather than one variable per deployment.
import { z } from "zod";
import {
  AWS_REGION_PATTERN,
  DYNAMODB_TABLE_PATTERN,
  GUID_PATTERN,
  HOSTNAME_PATTERN,
  S3_BUCKET_PATTERN,
  WORKER_ENVIRONMENT as ENV,
  type WorkerEnvironmentName,
} from "../contract";
import type { GraphAuthMode } from "../credentials";
import { isLoopbackUrl } from "./loopback";
import { SITE_ID_PATTERN, splitSiteIds } from "./site-ids";
import { presentStaticCredentials } from "./static-credentials";

export const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0";
/** From `npm run bench:worker` (sweep at 50 ms Graph latency): meets the 6x target at half the request
 *  pressure of 32, which was faster only with spare CPU; see docs/worker.md, "Measured". */
export const DEFAULT_CONCURRENCY = 16;
export const MAX_CONCURRENCY = 64;

export interface CliSwitches {
  readonly site?: string;
  readonly createMissing?: boolean;
  readonly graphAuth?: string;
  readonly concurrency?: string | number;
  readonly maxDuration?: string | number;
}

export interface WorkerConfig {
  readonly siteId: string;
  readonly tables: {
    readonly checkpoints: string;
    readonly state: string;
    readonly documents: string;
    readonly lease: string;
  };
  readonly bucket: string;
  readonly region: string;
  readonly graphBaseUrl: string;
  readonly graphAuth: GraphAuthMode;
  readonly concurrency: number;
  /** `sync --max-duration`: stop at the first page boundary after this many seconds (exit 3); undefined = no limit. */
  readonly maxDurationSeconds?: number;
  /** Lifetime of the site lease; renewed every third of it. */
  readonly leaseTtlMs: number;
  /** A run with no progress for this long is stopped by the watchdog (SYNC_STALL_TIMEOUT_SECONDS). */
  readonly stallTimeoutMs: number;
  readonly createMissing: boolean;
  /** Explicit endpoints from AWS_ENDPOINT_URL_<SERVICE> (or AWS_ENDPOINT_URL); undefined = the AWS default. */
  readonly endpoints: {
    readonly dynamodb?: string;
    readonly s3?: string;
    readonly sts?: string;
    readonly sqs?: string;
  };
  /** Fan-out (DOWNLOAD_QUEUE_URL, DOWNLOAD_DEAD_LETTER_QUEUE_URL): downloads go through this queue. */
  readonly downloadQueue?: { readonly url: string; readonly deadLetterUrl?: string };
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly authorityHost?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid worker configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const tableName = z
  .string({ error: "is required (a DynamoDB table name)" })
  .regex(DYNAMODB_TABLE_PATTERN, "must be a DynamoDB table name: 3-255 characters of A-Z a-z 0-9 _ . -");
const url = (what: string) => z.string().url(`must be an absolute URL (${what})`).optional();

/** One entry per variable of the shared contract (`../contract`): the `satisfies` clause refuses a missing or extra name. */
const envShape = {
  [ENV.siteIds]: z
    .string({ error: "is required (comma-separated SharePoint site ids)" })
    .transform(splitSiteIds)
    .refine((ids) => ids.length > 0, "must name at least one site id")
    .refine((ids) => ids.every((id) => SITE_ID_PATTERN.test(id)), "site ids may hold only A-Z a-z 0-9 . _ , -"),
  [ENV.checkpointTable]: tableName,
  [ENV.stateTable]: tableName,
  [ENV.documentsTable]: tableName,
  [ENV.leaseTable]: tableName,
  [ENV.contentBucket]: z
    .string({ error: "is required (the S3 bucket that receives the documents)" })
    .regex(S3_BUCKET_PATTERN, "must be an S3 bucket name: 3-63 lower-case letters, digits, . or -"),
  [ENV.region]: z
    .string({ error: "is required (e.g. ap-southeast-2)" })
    .regex(AWS_REGION_PATTERN, "must be an AWS region such as ap-southeast-2"),
  [ENV.graphBaseUrl]: z
    .string()
    .url("must be an absolute URL such as https://graph.microsoft.com/v1.0")
    .default(DEFAULT_GRAPH_BASE_URL),
  [ENV.concurrency]: z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_CONCURRENCY, `must be at most ${MAX_CONCURRENCY}`)
    .optional(),
  [ENV.leaseTtlSeconds]: z.coerce
    .number({ error: "must be a whole number of seconds" })
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1 (second)")
    .max(900, "must be at most 900 (seconds)")
    .default(60),
  [ENV.stallTimeoutSeconds]: z.coerce
    .number({ error: "must be a whole number of seconds" })
    .int("must be a whole number of seconds")
    .min(5, "must be at least 5 (seconds)")
    .max(86_400, "must be at most 86400 (seconds)")
    .default(600),
  [ENV.tenantId]: z
    .string()
    .refine((v) => GUID_PATTERN.test(v) || HOSTNAME_PATTERN.test(v), "must be a tenant GUID or domain")
    .optional(),
  [ENV.clientId]: z
    .string()
    .regex(GUID_PATTERN, "must be a GUID (the managed identity's or app's client id)")
    .optional(),
  [ENV.authorityHost]: url("the Entra authority host"),
  [ENV.endpoint]: url("fallback endpoint for every AWS service"),
  [ENV.dynamodbEndpoint]: url("DynamoDB endpoint"),
  [ENV.s3Endpoint]: url("S3 endpoint"),
  [ENV.stsEndpoint]: url("STS endpoint"),
  [ENV.sqsEndpoint]: url("SQS endpoint"),
  [ENV.downloadQueueUrl]: url("the fan-out download queue"),
  [ENV.downloadDeadLetterQueueUrl]: url("the fan-out download queue's dead-letter queue"),
} satisfies Record<WorkerEnvironmentName, z.ZodType>;
const envSchema = z.object(envShape);

const cliSchema = z.object({
  site: z.string().optional(),
  createMissing: z.boolean().default(false),
  graphAuth: z.enum(["auto", "none"], { error: "--graph-auth must be auto or none" }).default("auto"),
  concurrency: z.coerce
    .number({ error: "--concurrency must be a whole number" })
    .int("--concurrency must be a whole number")
    .min(1, "--concurrency must be at least 1")
    .max(MAX_CONCURRENCY, `--concurrency must be at most ${MAX_CONCURRENCY}`)
    .optional(),
  maxDuration: z.coerce
    .number({ error: "--max-duration must be a whole number of seconds" })
    .int("--max-duration must be a whole number of seconds")
    .min(0, "--max-duration must be 0 or more seconds")
    .max(7 * 86_400, "--max-duration must be at most 604800 seconds (a week)")
    .optional(),
});

/** Empty strings count as unset: ECS and shells often pass `VAR=` for "not configured". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== ""),
  );
}

/** Where variables came from, when not from the environment itself (a `.env` file), for the messages. */
export interface ConfigSources {
  readonly file?: string;
  readonly fromFile?: readonly string[];
}

export function loadConfig(
  rawEnv: NodeJS.ProcessEnv,
  switches: CliSwitches = {},
  sources: ConfigSources = {},
): WorkerConfig {
  const problems: string[] = [];
  const present = withoutEmpty(rawEnv);
  const envResult = envSchema.safeParse(present);
  if (!envResult.success) {
    for (const issue of envResult.error.issues) problems.push(`${issue.path.join(".")} ${issue.message}`);
  }
  const cliResult = cliSchema.safeParse(switches);
  if (!cliResult.success) for (const issue of cliResult.error.issues) problems.push(issue.message);
  // Checked even when other variables are broken, so that one message names everything missing.
  if ((cliResult.success ? cliResult.data.graphAuth : "auto") === "auto") {
    if (present.AZURE_TENANT_ID === undefined)
      problems.push("AZURE_TENANT_ID is required (the Entra tenant GUID) unless --graph-auth none");
    if (present.AZURE_CLIENT_ID === undefined)
      problems.push("AZURE_CLIENT_ID is required (the Entra client id) unless --graph-auth none");
  }
  if (!envResult.success || !cliResult.success) throw new ConfigError(problems);
  const env = envResult.data;
  const cli = cliResult.data;

  const siteId = pickSite(env.SYNC_SITE_IDS, cli.site, problems);
  const endpoints = {
    dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL,
    s3: env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    sts: env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL,
    sqs: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL,
  };
  if (env.DOWNLOAD_DEAD_LETTER_QUEUE_URL !== undefined && env.DOWNLOAD_QUEUE_URL === undefined)
    problems.push("DOWNLOAD_DEAD_LETTER_QUEUE_URL is set without DOWNLOAD_QUEUE_URL (the queue it belongs to)");
  const graphIsLoopback = isLoopbackUrl(env.GRAPH_BASE_URL);
  const awsStoresAreLoopback =
    endpoints.dynamodb !== undefined &&
    isLoopbackUrl(endpoints.dynamodb) &&
    endpoints.s3 !== undefined &&
    isLoopbackUrl(endpoints.s3);

  if (!graphIsLoopback && new URL(env.GRAPH_BASE_URL).protocol !== "https:") {
    problems.push(
      `GRAPH_BASE_URL must use https (a bearer token must never travel in clear text): ${env.GRAPH_BASE_URL}`,
    );
  }
  if (cli.graphAuth === "none" && !graphIsLoopback) {
    problems.push(
      `--graph-auth none is accepted only for a Graph endpoint on loopback (emulator); GRAPH_BASE_URL is ${env.GRAPH_BASE_URL}`,
    );
  }
  if (cli.createMissing && !awsStoresAreLoopback) {
    problems.push(
      "--create-missing only creates tables and buckets on loopback endpoints (local runs and tests); " +
        "set AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3 to 127.0.0.1 addresses, or create them with the Pulumi stack",
    );
  }

  const secrets = presentStaticCredentials(rawEnv);
  if (secrets.length > 0) {
    const remote = remoteEndpoints(env.GRAPH_BASE_URL, endpoints, cli.graphAuth, env.DOWNLOAD_QUEUE_URL !== undefined);
    if (remote.length > 0) {
      problems.push(
        `static credentials are set (${secrets.map((name) => (sources.fromFile?.includes(name) ? `${name} from ${sources.file}` : name)).join(", ")}) while ${remote.join(", ")} ${remote.length > 1 ? "are" : "is"} not on loopback: ` +
          "this worker authenticates with federation only (ECS task role, or aws sso login / az login on a laptop); unset them",
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    siteId: siteId!,
    tables: {
      checkpoints: env.CHECKPOINT_TABLE,
      state: env.STATE_TABLE,
      documents: env.DOCUMENTS_TABLE,
      lease: env.LEASE_TABLE,
    },
    bucket: env.CONTENT_BUCKET,
    region: env.AWS_REGION,
    graphBaseUrl: env.GRAPH_BASE_URL.replace(/\/+$/, ""),
    graphAuth: cli.graphAuth,
    concurrency: cli.concurrency ?? env.SYNC_CONCURRENCY ?? DEFAULT_CONCURRENCY,
    maxDurationSeconds: cli.maxDuration,
    leaseTtlMs: env.SYNC_LEASE_TTL_SECONDS * 1000,
    stallTimeoutMs: env.SYNC_STALL_TIMEOUT_SECONDS * 1000,
    createMissing: cli.createMissing,
    endpoints,
    downloadQueue:
      env.DOWNLOAD_QUEUE_URL === undefined
        ? undefined
        : { url: env.DOWNLOAD_QUEUE_URL, deadLetterUrl: env.DOWNLOAD_DEAD_LETTER_QUEUE_URL },
    tenantId: env.AZURE_TENANT_ID,
    clientId: env.AZURE_CLIENT_ID,
    authorityHost: env.AZURE_AUTHORITY_HOST,
  };
}

function pickSite(configured: string[], requested: string | undefined, problems: string[]): string | undefined {
  if (requested !== undefined) {
    if (configured.includes(requested)) return requested;
    problems.push(`--site ${requested} is not one of SYNC_SITE_IDS (${configured.join(" | ")})`);
    return undefined;
  }
  if (configured.length === 1) return configured[0];
  problems.push(`--site is required: SYNC_SITE_IDS names ${configured.length} sites (${configured.join(" | ")})`);
  return undefined;
}

/** Endpoints this run would reach that are NOT on this machine, named by the variable that sets them. */
function remoteEndpoints(
  graphBaseUrl: string,
  endpoints: WorkerConfig["endpoints"],
  graphAuth: GraphAuthMode,
  fanOut = false,
): string[] {
  const checks: Array<[string, string | undefined]> = [
    ["GRAPH_BASE_URL", graphBaseUrl],
    ["AWS_ENDPOINT_URL_DYNAMODB", endpoints.dynamodb],
    ["AWS_ENDPOINT_URL_S3", endpoints.s3],
  ];
  // STS is reached only by the Graph credential chain.
  if (graphAuth === "auto") checks.push(["AWS_ENDPOINT_URL_STS", endpoints.sts]);
  if (fanOut) checks.push(["AWS_ENDPOINT_URL_SQS", endpoints.sqs]);
  return checks
    .filter(([, url]) => url === undefined || !isLoopbackUrl(url))
    .map(([name, url]) => (url === undefined ? `${name} (unset: the AWS endpoint)` : `${name} (${url})`));
}
