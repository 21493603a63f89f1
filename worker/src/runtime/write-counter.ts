// Counts DynamoDB writes per table (one per logical call, retries excluded), for the run summary
// and bench/worker-throughput.ts: the checkpoint must be written once per page, not once per item.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const WRITE_COMMANDS = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "BatchWriteItemCommand"]);

export type WriteCounts = Record<string, number>;

export function countWrites(client: DynamoDBClient): WriteCounts {
  const counts: WriteCounts = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITE_COMMANDS.has(context.commandName ?? "")) {
        const table = (args.input as { TableName?: string }).TableName ?? "batch";
        counts[table] = (counts[table] ?? 0) + 1;
      }
      return next(args);
    },
    { step: "initialize", name: "countWrites" },
  );
  return counts;
}
