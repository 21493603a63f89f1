// DynamoDB calls (JSON protocol, `X-Amz-Target: DynamoDB_20120810.<Operation>`) mapped to the IAM authorisations
// they need, per "Actions, resources, and condition keys for Amazon DynamoDB" (Service Authorization Reference):
// every operation is its own action (BatchGetItem is not GetItem); item and query operations act on the table ARN, or
// on `table/<name>/index/<index>` for a query of an index; batch operations are authorised per table they touch;
// TransactWriteItems/TransactGetItems need the per-item action for each item; ListTables has no resource (`*`).
// Condition keys: `dynamodb:LeadingKeys` (partition-key values of the items a request touches) and the request's
// `dynamodb:Select`, `dynamodb:ReturnValues` and `dynamodb:ReturnConsumedCapacity`.
import type { RequestContext } from "../../../policy/iam";
import { type Authorisation, type ServiceScope, UnmappedRequest } from "./types";

type Json = Record<string, any>;

/** The partition-key attribute of each table, for `dynamodb:LeadingKeys`. */
export type PartitionKeys = (table: string) => string | undefined;

const TABLELESS = new Set(["ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables"]);

export function tableArn(scope: ServiceScope, table: string): string {
  return `arn:${scope.partition}:dynamodb:${scope.region}:${scope.accountId}:table/${table}`;
}

/** The value of an attribute in DynamoDB's typed JSON (`{ "S": "x" }`), as text. */
function scalar(value: Json | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const [type, inner] = Object.entries(value)[0] ?? [];
  return type === "S" || type === "N" || type === "B" ? String(inner) : undefined;
}

function leadingKeys(items: Array<Json | undefined>, partitionKey: string | undefined): string[] {
  if (partitionKey === undefined) return [];
  return [...new Set(items.map((item) => scalar(item?.[partitionKey])).filter((v): v is string => v !== undefined))];
}

/** `siteId = :s` (either order) in a key condition: the partition key's value, when the query names it simply. */
function queryLeadingKey(body: Json, partitionKey: string | undefined): string[] {
  if (partitionKey === undefined || typeof body.KeyConditionExpression !== "string") return [];
  const names: Record<string, string> = body.ExpressionAttributeNames ?? {};
  for (const clause of body.KeyConditionExpression.split(/\s+AND\s+/i)) {
    const m =
      /^\s*\(?\s*([#\w]+)\s*=\s*(:\w+)\s*\)?\s*$/.exec(clause) ??
      /^\s*\(?\s*(:\w+)\s*=\s*([#\w]+)\s*\)?\s*$/.exec(clause);
    if (!m) continue;
    const [attribute, placeholder] = m[1]!.startsWith(":") ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
    if ((names[attribute] ?? attribute) === partitionKey) {
      const value = scalar(body.ExpressionAttributeValues?.[placeholder]);
      return value === undefined ? [] : [value];
    }
  }
  return [];
}

function requestKeys(body: Json, leading: string[]): RequestContext {
  const context: Record<string, string | string[]> = {};
  if (leading.length > 0) context["dynamodb:LeadingKeys"] = leading;
  for (const [field, key] of [
    ["Select", "dynamodb:Select"],
    ["ReturnValues", "dynamodb:ReturnValues"],
    ["ReturnConsumedCapacity", "dynamodb:ReturnConsumedCapacity"],
  ] as const) {
    if (typeof body[field] === "string") context[key] = body[field];
  }
  return context;
}

export function dynamodbAuthorisations(
  target: string | undefined,
  body: Json,
  scope: ServiceScope,
  partitionKeyOf: PartitionKeys,
): Authorisation[] {
  const operation = /^DynamoDB_\d{8}\.(\w+)$/.exec(target ?? "")?.[1];
  if (operation === undefined) throw new UnmappedRequest(`a DynamoDB request with X-Amz-Target "${target ?? ""}"`);
  const action = `dynamodb:${operation}`;
  if (TABLELESS.has(operation)) return [{ action, resource: "*", context: requestKeys(body, []) }];

  switch (operation) {
    case "BatchGetItem":
      return Object.entries((body.RequestItems ?? {}) as Record<string, { Keys?: Json[] }>).map(([table, read]) => ({
        action,
        resource: tableArn(scope, table),
        context: requestKeys(body, leadingKeys(read.Keys ?? [], partitionKeyOf(table))),
      }));
    case "BatchWriteItem":
      return Object.entries((body.RequestItems ?? {}) as Record<string, Json[]>).map(([table, writes]) => ({
        action,
        resource: tableArn(scope, table),
        context: requestKeys(
          body,
          leadingKeys(
            writes.map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key),
            partitionKeyOf(table),
          ),
        ),
      }));
    case "TransactWriteItems":
    case "TransactGetItems":
      return ((body.TransactItems ?? []) as Json[]).map((item) => {
        const [kind, spec] = Object.entries(item)[0] as [string, Json];
        const perItem: Record<string, string> = {
          Put: "PutItem",
          Update: "UpdateItem",
          Delete: "DeleteItem",
          ConditionCheck: "ConditionCheckItem",
          Get: "GetItem",
        };
        if (perItem[kind] === undefined) throw new UnmappedRequest(`a ${operation} item of kind ${kind}`);
        return {
          action: `dynamodb:${perItem[kind]}`,
          resource: tableArn(scope, spec.TableName),
          context: requestKeys(spec, leadingKeys([spec.Key ?? spec.Item], partitionKeyOf(spec.TableName))),
        };
      });
    default: {
      if (typeof body.TableName !== "string") throw new UnmappedRequest(`DynamoDB ${operation} without a TableName`);
      const table = body.TableName;
      const index = typeof body.IndexName === "string" ? `/index/${body.IndexName}` : "";
      const leading =
        operation === "Query"
          ? queryLeadingKey(body, partitionKeyOf(table))
          : leadingKeys([body.Key ?? body.Item], partitionKeyOf(table));
      return [{ action, resource: tableArn(scope, table) + index, context: requestKeys(body, leading) }];
    }
  }
}
