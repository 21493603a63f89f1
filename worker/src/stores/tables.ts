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

interface TableLayout {
  readonly keys: KeySchemaElement[];
  readonly attributes: AttributeDefinition[];
}

const SITE_KEY: TableLayout = {
  keys: [{ AttributeName: "siteId", KeyType: "HASH" }],
  attributes: [{ AttributeName: "siteId", AttributeType: "S" }],
};
const SITE_AND_ITEM_KEY: TableLayout = {
  keys: [
    { AttributeName: "siteId", KeyType: "HASH" },
    { AttributeName: "itemId", KeyType: "RANGE" },
  ],
  attributes: [
    { AttributeName: "siteId", AttributeType: "S" },
    { AttributeName: "itemId", AttributeType: "S" },
  ],
};

export function tableLayouts(tables: WorkerConfig["tables"]): Array<[string, TableLayout]> {
  return [
    [tables.checkpoints, SITE_KEY],
    [tables.state, SITE_KEY],
    [tables.lease, SITE_KEY],
    [tables.documents, SITE_AND_ITEM_KEY],
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
