/**
 * The stack configuration: one schema, read once, validated before any resource is registered.
 *
 * Every error names the stack, the config key (with the path inside structured values) and what was expected, so
 * a wrong `Pulumi.<stack>.yaml` is fixed from the message alone. The rules about subjects come from
 * `github-subjects.ts`, the same code the components run, so the schema and the components cannot disagree.
 */
import * as pulumi from "@pulumi/pulumi";
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { AWS_REGION_PATTERN, GRAPH_SITE_ID_PATTERN } from "../worker/src/contract";
import { MAX_SESSION_DURATION, MIN_SESSION_DURATION } from "./github-aws-oidc";
import {
  buildSubjects,
  checkDeploySubjects,
  checkRepositoryRef,
  checkWorkflowPath,
  githubConditionKeyPrefix,
  githubIssuerUrl,
  MAX_FEDERATED_CREDENTIALS,
  SubjectError,
  SubjectFilter,
} from "./github-subjects";
import { CHUNKING_DEFAULTS } from "./sync-orchestration";
import { GUID_PATTERN } from "./validation";

/** The config namespace of this project (`zerosecrets:<key>` in the stack files). */
export const CONFIG_NAMESPACE = "zerosecrets";

const guid = (what: string) =>
  z.string().regex(GUID_PATTERN, `expected the ${what} as a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
const numericId = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^[1-9][0-9]{0,19}$/, "expected a numeric GitHub ID"));

/** A subject filter as written in YAML: exactly one of branch, tag, environment or pullRequest. */
const subjectFilterSchema = z
  .union(
    [
      z.strictObject({ branch: z.string(), wildcard: z.boolean().optional() }),
      z.strictObject({ tag: z.string(), wildcard: z.boolean().optional() }),
      z.strictObject({ environment: z.string(), wildcard: z.boolean().optional() }),
      z.strictObject({ pullRequest: z.literal(true) }),
    ],
    { error: "expected exactly one of { branch }, { tag }, { environment } or { pullRequest: true }" },
  )
  .transform((f): SubjectFilter => {
    if ("branch" in f) return { kind: "branch", branch: f.branch, wildcard: f.wildcard };
    if ("tag" in f) return { kind: "tag", tag: f.tag, wildcard: f.wildcard };
    if ("environment" in f) return { kind: "environment", environment: f.environment, wildcard: f.wildcard };
    return { kind: "pullRequest" };
  });

const environmentSchema = z.strictObject({
  branches: z.array(z.string().min(1)).min(1, "expected at least one branch allowed to deploy"),
  reviewers: z
    .strictObject({ users: z.array(z.number().int()).optional(), teams: z.array(z.number().int()).optional() })
    .optional(),
});

const githubSchema = z
  .strictObject({
    owner: z.string(),
    repository: z.string(),
    ownerId: numericId.optional(),
    repositoryId: numericId.optional(),
    subjectFormat: z.enum(["legacy", "immutable"]).default("legacy"),
    enterpriseSlug: z.string().optional(),
    environments: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, "expected a GitHub environment name"), environmentSchema)
      .refine((r) => Object.keys(r).length > 0, "expected at least one environment"),
    extraDeploySubjects: z.array(subjectFilterSchema).default([]),
    /** Subject contexts (`ref:refs/heads/main`) accepted on the deploy identity although they bypass the environment's protection. */
    allowUnprotectedDeploySubjects: z.array(z.string().min(1)).default([]),
    publishRepositoryVariables: z.boolean().default(false),
    manageRepositorySettings: z.boolean().default(true),
    pinRepositoryId: z.boolean().default(false),
    jobWorkflows: z
      .strictObject({
        deploy: z.array(z.string()).min(1, "expected at least one workflow file").optional(),
        preview: z.array(z.string()).min(1, "expected at least one workflow file").optional(),
      })
      .default({}),
    subjectClaimKeys: z.array(z.string()).optional(),
  })
  .superRefine((github, ctx) => {
    for (const [role, files] of Object.entries(github.jobWorkflows)) {
      (files ?? []).forEach((file, i) => {
        try {
          checkWorkflowPath(file);
        } catch (err) {
          ctx.addIssue({ code: "custom", path: ["jobWorkflows", role, i], message: (err as Error).message });
        }
      });
    }
    try {
      checkRepositoryRef(github);
      githubIssuerUrl(github.enterpriseSlug);
    } catch (err) {
      const field = err instanceof SubjectError ? err.field : undefined;
      ctx.addIssue({ code: "custom", path: field === undefined ? [] : [field], message: (err as Error).message });
    }
    if (github.pinRepositoryId && github.repositoryId === undefined) {
      ctx.addIssue({ code: "custom", path: ["repositoryId"], message: "pinRepositoryId: true needs repositoryId" });
    }
  });

const awsSchema = z.strictObject({
  accountId: z
    .string({
      error:
        'expected the 12-digit AWS account ID as a quoted string (e.g. "012345678901"); unquoted, YAML reads a number',
    })
    .regex(/^[0-9]{12}$/, "expected a 12-digit AWS account ID (quote it in YAML)"),
  existingOidcProviderArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/token\.actions\.githubusercontent\.com(\/[a-z0-9-]+)?$/,
      "expected arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com",
    )
    .optional(),
  maxSessionDuration: z
    .number()
    .int()
    .min(
      MIN_SESSION_DURATION,
      `expected a session duration from ${MIN_SESSION_DURATION} to ${MAX_SESSION_DURATION} seconds`,
    )
    .max(
      MAX_SESSION_DURATION,
      `expected a session duration from ${MIN_SESSION_DURATION} to ${MAX_SESSION_DURATION} seconds`,
    )
    .default(MIN_SESSION_DURATION),
  permissionsBoundaryArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:policy\/.+$/, "expected an IAM policy ARN")
    .optional(),
  stateBucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name (the self-managed Pulumi state backend)")
    .optional(),
  secretsKeyId: z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      "expected the KMS key ID of the stack's secrets provider (a lower-case GUID, as in awskms://<key id>?region=…)",
    )
    .optional(),
});

const azureSchema = z.strictObject({
  tenantId: guid("Entra tenant ID"),
  subscriptionId: guid("Azure subscription ID"),
  resourceGroupName: z.string().regex(/^[-\w._()]{1,89}[-\w_()]$/, "expected an existing resource group name"),
  location: z.string().regex(/^[a-z0-9]+$/, "expected an Azure region name such as australiaeast"),
  identityKind: z.enum(["managedIdentity", "application"]).default("managedIdentity"),
});

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const wholeNumber = (min: number, max: number) =>
  z
    .number()
    .int(`expected a whole number from ${min} to ${max}`)
    .min(min, `expected at least ${min}`)
    .max(max, `expected at most ${max}`);

/** `sync.chunking`: how the `stepFunctions` orchestration splits a round (defaults in sync-orchestration.ts). */
const chunkingSchema = z
  .strictObject({
    chunkMinutes: wholeNumber(1, 1440).optional(),
    taskTimeoutMinutes: wholeNumber(2, 1440).optional(),
    maxChunks: wholeNumber(1, 1000).optional(),
    maxFailures: wholeNumber(1, 10).optional(),
    maxLeaseWaits: wholeNumber(1, 100).optional(),
  })
  .superRefine((c, ctx) => {
    const chunk = c.chunkMinutes ?? CHUNKING_DEFAULTS.chunkMinutes;
    const timeout = c.taskTimeoutMinutes ?? CHUNKING_DEFAULTS.taskTimeoutMinutes;
    if (chunk + 5 > timeout)
      ctx.addIssue({
        code: "custom",
        path: ["chunkMinutes"],
        message: `a ${chunk}-minute chunk needs taskTimeoutMinutes of at least ${chunk + 5} (5 minutes to checkpoint); it is ${timeout}`,
      });
  });

const syncSchemaFields = z.strictObject({
  siteIds: z
    .array(z.string().regex(GRAPH_SITE_ID_PATTERN, "expected a Graph site ID: hostname,siteCollectionId,siteId"))
    .min(1, "expected at least one SharePoint site ID"),
  scheduleExpression: z
    .string()
    .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, "expected rate(...) or cron(...)")
    .default("rate(15 minutes)"),
  graphPermission: z.enum(["Sites.Selected", "Files.Read.All"]).default("Sites.Selected"),
  allowTenantWideRead: z.boolean().default(false),
  graphBaseUrl: z.url({ protocol: /^https$/, error: "expected an https URL" }).optional(),
  existingClusterArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster\/.+$/, "expected an ECS cluster ARN")
    .optional(),
  existingIssuerUrl: z.string().optional(),
  subnetIds: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "expected a subnet ID (subnet-…)"))
    .min(1, "expected at least one subnet"),
  securityGroupIds: z
    .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, "expected a security group ID (sg-…)"))
    .min(1, "expected at least one security group"),
  assignPublicIp: z.boolean().default(false),
  fargateSpot: z.boolean().default(false),
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).default(512),
  memory: z.number().int().min(512).max(30720).default(1024),
  orchestration: z.enum(["schedule", "stepFunctions"]).default("schedule"),
  alarms: z
    .strictObject({
      topicArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$/, "expected an SNS topic ARN")
        .optional(),
      missedIntervals: wholeNumber(1, 288).default(3),
      spotInterruptionsPerDay: wholeNumber(0, 1000).default(5),
      intervalMinutes: wholeNumber(1, 1440).optional(),
    })
    .prefault({}),
  chunking: chunkingSchema.optional(),
  fanOut: z
    .strictObject({
      siteIds: z.array(z.string()).min(1, "expected the sites whose downloads fan out"),
      minConsumers: wholeNumber(0, 50).optional(),
      maxConsumers: wholeNumber(1, 50).optional(),
      backlogPerConsumer: wholeNumber(1, 100_000).optional(),
      maxReceiveCount: wholeNumber(1, 1000).optional(),
      visibilityTimeoutSeconds: wholeNumber(30, 43_200).optional(),
    })
    .optional(),
  logRetentionDays: z
    .number()
    .refine(
      (d) => LOG_RETENTION_DAYS.includes(d),
      `expected one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(", ")})`,
    )
    .default(30),
  /** Days a replaced or deleted document version is kept in the versioned content bucket. */
  noncurrentVersionDays: z.number().int().min(1, "expected a whole number of days of at least 1").max(3650).default(30),
});

/** `sync` with its cross-field rules: fan-out sites must be synced sites. */
const syncSchema = syncSchemaFields.superRefine((sync, ctx) => {
  sync.fanOut?.siteIds.forEach((siteId, i) => {
    if (!sync.siteIds.includes(siteId))
      ctx.addIssue({ code: "custom", path: ["fanOut", "siteIds", i], message: `"${siteId}" is not one of siteIds` });
  });
});

/** Config keys of this project and their schemas, in the order they are reported. Every key is required unless its
 * schema is optional. */
const projectKeys = {
  environment: z.string().min(1, "expected the GitHub environment this stack deploys"),
  workerImageTag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected an image tag (immutable tags: a version or commit SHA)")
    .refine((t) => t !== "latest", 'expected an immutable tag, not "latest" (the repository refuses to overwrite tags)')
    .optional(),
  github: githubSchema,
  aws: awsSchema,
  azure: azureSchema,
  sync: syncSchema,
} as const;

export type StackConfig = {
  stack: string;
  region: string;
} & { [K in keyof typeof projectKeys]: z.output<(typeof projectKeys)[K]> };

/** Thrown for a bad stack file; the message lists every problem, each with its key. */
export class StackConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: string[],
  ) {
    super(
      `Stack "${stack}" has invalid configuration (Pulumi.${stack}.yaml):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "StackConfigError";
  }
}

/** Raw values by key; `undefined` for a key the stack file leaves out. Exposed so tests can validate plain objects. */
export type RawConfig = Record<string, unknown>;

/** Reads the running stack's configuration (once) and validates it: every `zerosecrets:` key, known or not. */
export function loadStackConfig(): StackConfig {
  const raw: RawConfig = {};
  for (const [key, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${CONFIG_NAMESPACE}:`)) raw[key] = parseValue(text);
  }
  raw["aws:region"] = new pulumi.Config("aws").get("region");
  return parseStackConfig(pulumi.getStack(), raw);
}

/** Structured values arrive as JSON text; plain strings stay strings. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Validates raw config values (keys as in the stack file, e.g. `zerosecrets:github`). */
export function parseStackConfig(stack: string, raw: RawConfig): StackConfig {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(projectKeys)) {
    const fullKey = `${CONFIG_NAMESPACE}:${key}`;
    if (raw[fullKey] === undefined && !(schema as z.ZodType).safeParse(undefined).success) {
      problems.push(`${fullKey}: missing; ${describeMissing(key)}`);
      continue;
    }
    const result = (schema as z.ZodType).safeParse(raw[fullKey]);
    if (result.success) parsed[key] = result.data;
    else for (const issue of result.error.issues) problems.push(...describeIssue(fullKey, schema as z.ZodType, issue));
  }
  const region = raw["aws:region"];
  if (typeof region !== "string" || !AWS_REGION_PATTERN.test(region)) {
    problems.push(`aws:region: expected an AWS region such as ap-southeast-2, got ${JSON.stringify(region)}`);
  }
  const known = Object.keys(projectKeys);
  const unknown = Object.keys(raw).filter(
    (k) => k.startsWith(`${CONFIG_NAMESPACE}:`) && !known.includes(k.slice(CONFIG_NAMESPACE.length + 1)),
  );
  for (const key of unknown) {
    const suggestion = closestKey(key.slice(CONFIG_NAMESPACE.length + 1), known);
    problems.push(
      `${key}: unknown key; the closest known key is ${CONFIG_NAMESPACE}:${suggestion} (known: ${known.join(", ")})`,
    );
  }
  if (problems.length === 0) problems.push(...crossKeyProblems(parsed as Omit<StackConfig, "stack" | "region">));
  if (problems.length > 0) throw new StackConfigError(stack, problems);
  return { stack, region: region as string, ...(parsed as Omit<StackConfig, "stack" | "region">) };
}

/** Rules that span keys: the environment must be declared, subjects must build, credentials must fit Entra's limit. */
function crossKeyProblems(config: Omit<StackConfig, "stack" | "region">): string[] {
  const problems: string[] = [];
  const declared = Object.keys(config.github.environments);
  if (!declared.includes(config.environment)) {
    problems.push(
      `${CONFIG_NAMESPACE}:environment: "${config.environment}" is not a declared environment; expected one of ${declared.join(", ")} (zerosecrets:github.environments)`,
    );
    return problems;
  }
  const providerArn = config.aws.existingOidcProviderArn;
  const issuerPath = githubConditionKeyPrefix(config.github.enterpriseSlug);
  if (providerArn !== undefined && !providerArn.endsWith(`:oidc-provider/${issuerPath}`)) {
    problems.push(
      `${CONFIG_NAMESPACE}:aws.existingOidcProviderArn: "${providerArn}" is not the provider for issuer https://${issuerPath} (zerosecrets:github.enterpriseSlug)`,
    );
  }
  config.github.extraDeploySubjects.forEach((filter, i) => {
    try {
      const [subject] = buildSubjects(config.github, [filter]);
      // Entra matches exactly: a pattern could serve AWS but would silently never match on Azure.
      if (subject!.wildcard) {
        problems.push(
          `${CONFIG_NAMESPACE}:github.extraDeploySubjects[${i}]: "${subject!.value}" is a pattern, but the deploy subjects also become Entra federated credentials, which match exactly`,
        );
      } else {
        checkDeploySubjects([filter], config.github.allowUnprotectedDeploySubjects);
      }
    } catch (err) {
      problems.push(`${CONFIG_NAMESPACE}:github.extraDeploySubjects[${i}]: ${(err as Error).message}`);
    }
  });
  const pinsWorkflows = Object.values(config.github.jobWorkflows).some((files) => files !== undefined);
  if (pinsWorkflows && config.azure.identityKind !== "application") {
    problems.push(
      `${CONFIG_NAMESPACE}:azure.identityKind: "${config.azure.identityKind}" cannot pin zerosecrets:github.jobWorkflows on Azure (flexible federated credentials need an app registration); set identityKind: application`,
    );
  }
  if (config.aws.stateBucket !== undefined && config.aws.secretsKeyId === undefined) {
    problems.push(
      `${CONFIG_NAMESPACE}:aws.secretsKeyId: missing; a self-managed state backend (aws.stateBucket) needs an awskms:// secrets provider, or CI stops at a passphrase prompt: give the KMS key ID the stack file's secretsprovider names (docs/ci.md)`,
    );
  }
  // An app registration pins the workflow too: one flexible credential per subject and pinned workflow ref.
  const pinnedRefs =
    config.azure.identityKind === "application" && config.github.jobWorkflows.deploy !== undefined
      ? config.github.jobWorkflows.deploy.length * config.github.environments[config.environment]!.branches.length
      : 1;
  const credentials = deploySubjectFilters(config).length * pinnedRefs;
  if (credentials > MAX_FEDERATED_CREDENTIALS) {
    problems.push(
      `${CONFIG_NAMESPACE}:github.extraDeploySubjects: the deploy identity would need ${credentials} federated credentials; Entra allows at most ${MAX_FEDERATED_CREDENTIALS}`,
    );
  }
  return problems;
}

/** The deploy role's subjects: the stack's environment, then any extra ones the stack file lists. */
export function deploySubjectFilters(config: Pick<StackConfig, "environment" | "github">): SubjectFilter[] {
  return [{ kind: "environment", environment: config.environment }, ...config.github.extraDeploySubjects];
}

/** Keys renamed since earlier releases: an old stack file is told the new name. */
const RENAMED_KEYS: Record<string, string> = { jobWorkflowRef: "jobWorkflows" };

/** The known key nearest to an unknown one (edit distance, case folded), or the key it was renamed to. */
function closestKey(unknown: string, known: readonly string[]): string {
  if (RENAMED_KEYS[unknown] !== undefined && known.includes(RENAMED_KEYS[unknown])) return RENAMED_KEYS[unknown];
  const folded = known.map((k) => k.toLowerCase());
  return known[folded.indexOf(closest(unknown.toLowerCase(), folded))]!;
}

/** One line per problem; an unknown field inside a structured value names the closest field the schema knows. */
function describeIssue(fullKey: string, schema: z.ZodType, issue: z.core.$ZodIssue): string[] {
  if (issue.code !== "unrecognized_keys") return [`${keyPath(fullKey, issue.path)}: ${issue.message}`];
  const known = Object.keys(objectShapeAt(schema, issue.path) ?? {});
  return issue.keys.map((key) => {
    const where = keyPath(fullKey, [...issue.path, key]);
    if (known.length === 0) return `${where}: unknown key`;
    const suggestion = keyPath(fullKey, [...issue.path, closestKey(key, known)]);
    return `${where}: unknown key; the closest known key is ${suggestion} (known: ${known.join(", ")})`;
  });
}

/** The object shape a schema has at a path, looking through optional, default, pipe, record, array and union. */
function objectShapeAt(schema: z.ZodType, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "readonly":
      return objectShapeAt(def.innerType, path);
    case "pipe":
      return objectShapeAt(def.in, path);
    case "object":
      if (path.length === 0) return def.shape;
      return def.shape[path[0] as string] === undefined
        ? undefined
        : objectShapeAt(def.shape[path[0] as string], path.slice(1));
    case "record":
      return path.length === 0 ? undefined : objectShapeAt(def.valueType, path.slice(1));
    case "array":
      return path.length === 0 ? undefined : objectShapeAt(def.element, path.slice(1));
    default:
      return undefined;
  }
}

function keyPath(fullKey: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${String(part)}`),
    fullKey,
  );
}

function describeMissing(key: string): string {
  const hints: Record<string, string> = {
    environment: "expected the GitHub environment this stack deploys (e.g. dev)",
    workerImageTag: "expected the worker image tag to run (a commit SHA)",
    github: "expected { owner, repository, environments, … }",
    aws: "expected { accountId, … }",
    azure: "expected { tenantId, subscriptionId, resourceGroupName, location }",
    sync: "expected { siteIds, subnetIds, securityGroupIds, … }",
  };
  return hints[key] ?? "required";
}
