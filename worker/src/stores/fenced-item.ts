// Writes to the checkpoint and state items, fenced by the lease.
//
// DynamoDB conditions can only look at the item being written, so the fence lives ON the item:
// right after acquiring the lease the worker "claims" the item by raising its fence to the lease's
// fence, and every later write requires fence = <our fence>. A stale worker (lower fence) can then
// no longer write, even if it still believes it holds the lease. Each write carries a random
// writeId, so that after a ConditionalCheckFailed we can re-read and recognise a write of ours that
// succeeded before its retry failed.
import { randomUUID } from "node:crypto";
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LeaseLostError, isConditionalCheckFailed } from "./errors";

export type FencedFields = Record<string, string | number | boolean | undefined>;

export class FencedItemStore<T extends FencedFields> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(siteId: string): Promise<(Partial<T> & { fence?: number }) | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { siteId }, ConsistentRead: true }));
    return out.Item as (Partial<T> & { fence?: number }) | undefined;
  }

  /** Raises the item's fence to ours; fails if a newer lease holder has already claimed it. */
  async claim(siteId: string, fence: number): Promise<void> {
    await this.write(siteId, fence, {}, [], "attribute_not_exists(fence) OR fence <= :fence", "SET fence = :fence");
  }

  /** Sets `set` and removes `remove`, only while the item's fence is ours. */
  async update(
    siteId: string,
    fence: number,
    set: Partial<T>,
    remove: readonly (keyof T & string)[] = [],
  ): Promise<void> {
    await this.write(siteId, fence, set, remove, "fence = :fence", "");
  }

  private async write(
    siteId: string,
    fence: number,
    set: Partial<T>,
    remove: readonly string[],
    condition: string,
    extraSet: string,
  ): Promise<void> {
    const writeId = randomUUID();
    const names: Record<string, string> = { "#writeId": "writeId" };
    const values: Record<string, unknown> = { ":fence": fence, ":writeId": writeId };
    const sets = [extraSet.replace(/^SET /, ""), "#writeId = :writeId"].filter((s) => s !== "");
    for (const [i, [key, value]] of Object.entries(set)
      .filter(([, v]) => v !== undefined)
      .entries()) {
      names[`#s${i}`] = key;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    }
    const removes = remove.map((key, i) => {
      names[`#r${i}`] = key;
      return `#r${i}`;
    });
    const expression = `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { siteId },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.read(siteId);
      if (current?.fence === fence && (current as { writeId?: string }).writeId === writeId) return;
      throw new LeaseLostError(siteId, `${this.table} is fenced at ${current?.fence ?? "none"}, ours is ${fence}`);
    }
  }
}
