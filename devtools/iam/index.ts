// IAM-enforced local AWS: the stack's deployment (devtools/iam/deployment.ts) in front of the local stores. The
// tables and bucket (and on a stack with fan-out, the queues) are provisioned as the stack declares them, by an administrator principal (as `pulumi up` would
// create them); the worker calls through the enforcement fronts with a session of the stack's task role, and every
// call is authorised against that role's generated policies.
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IamEnforcer } from "./enforcer";
import type { DeployedRole, StackDeployment } from "./deployment";
import { newRoleSession, PrincipalRegistry, type Principal } from "./principals";

export { IamEnforcer, type AuthorisationRecord } from "./enforcer";
export {
  deploymentOf,
  grantedActions,
  loadDeployment,
  withoutAction,
  type DeployedFanOut,
  type DeployedQueue,
  type DeployedRole,
  type DeployedTable,
  type StackDeployment,
} from "./deployment";
export { newRoleSession, PrincipalRegistry, roleAccess, sessionArn, type Principal } from "./principals";

export interface EnforcedAws {
  readonly deployment: StackDeployment;
  readonly enforcer: IamEnforcer;
  /** The session the worker runs as: the stack's task role. */
  readonly taskSession: Principal;
  /** Registers a further session of a role (e.g. the task role with one action removed, for mutation tests). */
  newSession(role: DeployedRole): Principal;
}

/** The environment variables that make the AWS SDK sign as this session. */
export function sessionEnv(
  session: Pick<Principal, "accessKeyId" | "secretAccessKey" | "sessionToken">,
): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    ...(session.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: session.sessionToken }),
  };
}

/** Creates the stack's tables in a local DynamoDB with the keys the program declares (the administrator's job). */
export async function provisionTables(
  deployment: StackDeployment,
  dynamoEndpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  const dynamo = new DynamoDBClient({ region: deployment.region, endpoint: dynamoEndpoint, credentials });
  try {
    for (const table of Object.values(deployment.tables)) {
      const keys = table.rangeKey === undefined ? [table.hashKey] : [table.hashKey, table.rangeKey];
      await dynamo.send(
        new CreateTableCommand({
          TableName: table.name,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? "HASH" : "RANGE" })),
          AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
        }),
      );
    }
  } finally {
    dynamo.destroy();
  }
}

/**
 * Starts the enforcement fronts for DynamoDB and S3 (and SQS, when given) in front of the given stores.
 * `administrator` is the key the test's own clients use; `forwardHeaders` lets a store that checks keys of its own
 * accept forwarded calls.
 */
export async function enforceIam(opts: {
  deployment: StackDeployment;
  upstream: { dynamodb: string; s3: string; sqs?: string };
  administrator: Principal;
  forwardHeaders?: ConstructorParameters<typeof IamEnforcer>[0]["forwardHeaders"];
}): Promise<EnforcedAws & { endpoints: { dynamodb: string; s3: string; sqs?: string } }> {
  const { deployment } = opts;
  const principals = new PrincipalRegistry();
  principals.add(opts.administrator);
  const hashKeys = new Map(Object.values(deployment.tables).map((t) => [t.name, t.hashKey]));
  const enforcer = new IamEnforcer({
    scope: { partition: "aws", accountId: deployment.accountId, region: deployment.region },
    principals,
    partitionKeyOf: (table) => hashKeys.get(table),
    forwardHeaders: opts.forwardHeaders,
  });
  const endpoints = {
    dynamodb: await enforcer.front("dynamodb", opts.upstream.dynamodb),
    s3: await enforcer.front("s3", opts.upstream.s3),
    sqs: opts.upstream.sqs === undefined ? undefined : await enforcer.front("sqs", opts.upstream.sqs),
  };
  return {
    deployment,
    enforcer,
    endpoints,
    taskSession: principals.add(newRoleSession(deployment.taskRole, { sessionName: "sync-worker" })),
    newSession: (role) => principals.add(newRoleSession(role)),
  };
}

/** One line on what the layer authorised for a principal: calls by action, and every refusal. */
export function describeAuthorisations(enforcer: IamEnforcer, principal?: (arn: string) => boolean): string {
  const counts = new Map<string, { allowed: number; refused: number }>();
  for (const record of enforcer.records) {
    if (record.decision === "administrator" || (principal && !principal(record.principal))) continue;
    const entry = counts.get(record.action) ?? { allowed: 0, refused: 0 };
    if (record.decision === "allow") entry.allowed++;
    else entry.refused++;
    counts.set(record.action, entry);
  }
  return [...counts]
    .map(([action, { allowed, refused }]) => `${action} ${allowed}${refused ? ` (${refused} REFUSED)` : ""}`)
    .join(", ");
}
