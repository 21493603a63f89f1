// What the Pulumi program deploys for the sync worker, read from the program itself run under Pulumi's mock runtime:
// the task role with its inline policies, the real table and bucket names and ARNs, the task definition's
// environment, and on a stack with fan-out the download queue and its dead-letter queue. The IAM enforcement layer authorises every call the worker makes against exactly these policies, and
// the local stores are provisioned with exactly these tables and bucket: nothing here is a restated list.
import type { RecordedResource, StackRun } from "../../tools/mock-runtime";
import { recordedStack } from "../recorded-stacks";
import { TABLE_ENVIRONMENT, TABLE_KEYS, WORKER_ENVIRONMENT, type TableRole } from "../../worker/src/contract";

export interface DeployedTable {
  readonly role: TableRole;
  readonly name: string;
  readonly arn: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
}

/** An IAM role as deployed: its identity policies (inline) and permissions boundary, if any. */
export interface DeployedRole {
  readonly name: string;
  readonly arn: string;
  /** Parsed policy documents, in the order the program registered them. */
  readonly policies: readonly unknown[];
  readonly permissionsBoundaryArn?: string;
  /**
   * The boundary's document when the stack creates it (its own `PermissionsBoundary`); undefined without a boundary
   * or for one the stack only names (an account's existing policy, whose content the program does not hold).
   */
  readonly permissionsBoundary?: unknown;
}

/** An SQS queue as deployed. */
export interface DeployedQueue {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
}

/** The fan-out's queues, as the consumer task definition hands them to `worker consume`. */
export interface DeployedFanOut {
  readonly queue: DeployedQueue & { readonly maxReceiveCount: number; readonly visibilityTimeoutSeconds: number };
  readonly deadLetterQueue: DeployedQueue;
}

export interface StackDeployment {
  readonly stack: string;
  readonly accountId: string;
  readonly region: string;
  readonly tables: Readonly<Record<TableRole, DeployedTable>>;
  readonly bucket: { readonly name: string; readonly arn: string };
  /** The role the task definition runs the worker as. */
  readonly taskRole: DeployedRole;
  /** The container environment of the task definition, as ECS would hand it to the worker. */
  readonly taskEnvironment: Readonly<Record<string, string>>;
  /** The fan-out's queues, on a stack with fan-out (components/sync-fanout.ts). */
  readonly fanOut?: DeployedFanOut;
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== "string" || value === "")
    throw new Error(`the stack's ${what} is not known (got ${String(value)})`);
  return value;
};

function byType(run: StackRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

interface Container {
  readonly command?: string[];
  readonly environment: Array<{ name: string; value: string }>;
}

function containerOf(definition: RecordedResource): Container {
  return (JSON.parse(str(definition.inputs.containerDefinitions, "container definitions")) as Container[])[0]!;
}

const environmentOf = (container: Container): Record<string, string> =>
  Object.fromEntries(container.environment.map((e) => [e.name, e.value]));

/** The queue a URL names, among the stack's queues. */
function queueAt(run: StackRun, url: string): RecordedResource & { deployed: DeployedQueue } {
  const queue = byType(run, "aws:sqs/queue:Queue").find((q) => q.outputs.url === url);
  if (queue === undefined) throw new Error(`stack ${run.stack}: no SQS queue has the URL ${url}`);
  return {
    ...queue,
    deployed: {
      name: str(queue.outputs.name, `queue ${url} name`),
      arn: str(queue.outputs.arn, `queue ${url} ARN`),
      url,
    },
  };
}

/** The fan-out's queues, named by the consumer task definition's environment (`worker consume`). */
function fanOutOf(run: StackRun, consumer: RecordedResource | undefined): DeployedFanOut | undefined {
  if (consumer === undefined) return undefined;
  const environment = environmentOf(containerOf(consumer));
  const queue = queueAt(run, str(environment[WORKER_ENVIRONMENT.downloadQueueUrl], "download queue URL"));
  const deadLetter = queueAt(
    run,
    str(environment[WORKER_ENVIRONMENT.downloadDeadLetterQueueUrl], "download dead-letter queue URL"),
  );
  const redrive = JSON.parse(str(queue.inputs.redrivePolicy, "download queue redrive policy")) as {
    deadLetterTargetArn: string;
    maxReceiveCount: number;
  };
  if (redrive.deadLetterTargetArn !== deadLetter.deployed.arn)
    throw new Error(`stack ${run.stack}: the download queue does not redrive to the consumers' dead-letter queue`);
  return {
    queue: {
      ...queue.deployed,
      maxReceiveCount: Number(redrive.maxReceiveCount),
      visibilityTimeoutSeconds: Number(queue.inputs.visibilityTimeoutSeconds ?? 30),
    },
    deadLetterQueue: deadLetter.deployed,
  };
}

/** Reads the worker's slice of a stack run. Throws naming what is missing if the program changed shape. */
export function deploymentOf(run: StackRun): StackDeployment {
  // The sync task definition, and on a stack with fan-out the consumers' (the same container running `consume`).
  const definitions = byType(run, "aws:ecs/taskDefinition:TaskDefinition");
  const consumers = definitions.filter((d) => containerOf(d).command?.[0] === "consume");
  const syncs = definitions.filter((d) => !consumers.includes(d));
  if (syncs.length !== 1 || consumers.length > 1)
    throw new Error(
      `expected one sync and at most one consumer ECS task definition in stack ${run.stack}, found ${syncs.length} and ${consumers.length}`,
    );
  const definition = syncs[0]!;
  const taskEnvironment = environmentOf(containerOf(definition));

  const roleArn = str(definition.inputs.taskRoleArn, "task role ARN");
  const role = byType(run, "aws:iam/role:Role").find((r) => r.outputs.arn === roleArn);
  if (role === undefined) throw new Error(`stack ${run.stack}: no IAM role has the task role's ARN ${roleArn}`);
  const roleName = str(role.outputs.name, "task role name");
  const policies = byType(run, "aws:iam/rolePolicy:RolePolicy")
    .filter((p) => p.inputs.role === roleName)
    .map((p) => JSON.parse(str(p.inputs.policy, `policy ${p.name}`)) as unknown);

  const tables = Object.fromEntries(
    (Object.keys(TABLE_ENVIRONMENT) as TableRole[]).map((tableRole) => {
      const name = str(taskEnvironment[TABLE_ENVIRONMENT[tableRole]], TABLE_ENVIRONMENT[tableRole]);
      const resource = byType(run, "aws:dynamodb/table:Table").find((t) => t.outputs.name === name);
      if (resource === undefined) {
        throw new Error(
          `stack ${run.stack}: the task environment names table ${name}, which the stack does not create`,
        );
      }
      const expected = TABLE_KEYS[tableRole];
      const table: DeployedTable = {
        role: tableRole,
        name,
        arn: str(resource.outputs.arn, `table ${name} ARN`),
        hashKey: str(resource.inputs.hashKey, `${name} hash key`),
        rangeKey: typeof resource.inputs.rangeKey === "string" ? resource.inputs.rangeKey : undefined,
      };
      if (table.hashKey !== expected.hash || table.rangeKey !== expected.range) {
        throw new Error(
          `stack ${run.stack}: table ${name} is keyed ${table.hashKey}/${table.rangeKey ?? "-"}, the worker expects ${expected.hash}/${expected.range ?? "-"}`,
        );
      }
      return [tableRole, table];
    }),
  ) as Record<TableRole, DeployedTable>;

  const bucketName = str(taskEnvironment[WORKER_ENVIRONMENT.contentBucket], WORKER_ENVIRONMENT.contentBucket);
  const bucket = byType(run, "aws:s3/bucket:Bucket").find((b) => b.outputs.bucket === bucketName);
  if (bucket === undefined)
    throw new Error(
      `stack ${run.stack}: the task environment names bucket ${bucketName}, which the stack does not create`,
    );

  return {
    stack: run.stack,
    accountId: roleArn.split(":")[4]!,
    region: str(taskEnvironment[WORKER_ENVIRONMENT.region], WORKER_ENVIRONMENT.region),
    tables,
    bucket: { name: bucketName, arn: str(bucket.outputs.arn, "bucket ARN") },
    taskRole: { name: roleName, arn: roleArn, policies, ...boundaryOf(run, role) },
    taskEnvironment,
    fanOut: fanOutOf(run, consumers[0]),
  };
}

/** A role's boundary: its ARN, and its document when the stack creates that policy. */
function boundaryOf(
  run: StackRun,
  role: RecordedResource,
): Pick<DeployedRole, "permissionsBoundaryArn" | "permissionsBoundary"> {
  const arn = role.inputs.permissionsBoundary;
  if (typeof arn !== "string") return {};
  const policy = byType(run, "aws:iam/policy:Policy").find((p) => p.outputs.arn === arn);
  return {
    permissionsBoundaryArn: arn,
    permissionsBoundary: policy && JSON.parse(str(policy.inputs.policy, `boundary ${arn}`)),
  };
}

/** The stack's deployment, from the program's run under the mocks. */
export async function loadDeployment(stack = "dev"): Promise<StackDeployment> {
  return deploymentOf(await recordedStack(stack));
}

/** Every action a role's policies grant by name (Allow statements), in statement order, without duplicates. */
export function grantedActions(role: DeployedRole): string[] {
  const actions: string[] = [];
  for (const policy of role.policies as Array<{ Statement: Array<{ Effect: string; Action?: string | string[] }> }>) {
    for (const statement of policy.Statement) {
      if (statement.Effect !== "Allow" || statement.Action === undefined) continue;
      for (const action of [statement.Action].flat()) if (!actions.includes(action)) actions.push(action);
    }
  }
  return actions;
}

/** The role with one granted action removed from every statement (a statement left without action is dropped). */
export function withoutAction(role: DeployedRole, action: string): DeployedRole {
  const policies = (role.policies as Array<{ Statement: Array<Record<string, unknown>> }>).map((policy) => ({
    ...policy,
    Statement: policy.Statement.flatMap((statement) => {
      if (statement.Effect !== "Allow" || statement.Action === undefined) return [statement];
      const kept = [statement.Action as string | string[]].flat().filter((a) => a !== action);
      return kept.length === 0 ? [] : [{ ...statement, Action: kept }];
    }),
  }));
  return { ...role, policies };
}
