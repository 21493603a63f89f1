// Table layouts (separate tables, string keys) and --create-missing for local runs and tests.
// In AWS the Pulumi stack creates the same tables; these definitions must stay in step with it.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
  type KeySchemaElement,
  type AttributeDefinition,
} from "@aws-sdk/client-dynamodb";
import type { WorkerConfig } from "../config/load";
import { TABLE_KEYS, type TableRole } from "../contract";

interface TableLayout {
  readonly keys: KeySchemaElement[];
  readonly attributes: AttributeDefinition[];
}

/** The key schema the stack declares too (the shared contract's TABLE_KEYS), all string attributes. */
function layoutOf(role: TableRole): TableLayout {
  const { hash, range } = TABLE_KEYS[role];
  const names = range === undefined ? [hash] : [hash, range];
  return {
    keys: names.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? "HASH" : "RANGE" })),
    attributes: names.map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
  };
}

export function tableLayouts(tables: WorkerConfig["tables"]): Array<[string, TableLayout]> {
  return [
    [tables.checkpoints, layoutOf("checkpoints")],
    [tables.state, layoutOf("state")],
    [tables.lease, layoutOf("lease")],
    [tables.documents, layoutOf("documents")],
  ];
}

/** Creates whichever of the worker's tables do not exist yet; returns the names it created. */
export async function createMissingTables(dynamo: DynamoDBClient, tables: WorkerConfig["tables"]): Promise<string[]> {
  const created: string[] = [];
  for (const [name, layout] of tableLayouts(tables)) {
    try {
      await dynamo.send(new DescribeTableCommand({ TableName: name }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      await dynamo.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: layout.keys,
          AttributeDefinitions: layout.attributes,
        }),
      );
      created.push(name);
    }
  }
  return created;
}
