// The per-site lease: one item per site holding owner, a fence number that grows with every
// acquisition, and an expiry. Only single-item conditional writes are used (no transactions), so
// the same code works on DynamoDB and dynalite.
//
// A conditional write can succeed on the server and then fail its own SDK retry with
// ConditionalCheckFailed (the first attempt's answer was lost). So on every conditional failure we
// re-read the item before concluding that someone else holds the lease.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LeaseHeldError, LeaseLostError, isConditionalCheckFailed } from "./errors";

export interface Lease {
  readonly siteId: string;
  readonly owner: string;
  readonly fence: number;
  readonly expiresAt: number;
}

interface LeaseItem {
  siteId: string;
  owner?: string;
  fence?: number;
  expiresAt?: number;
}

export class LeaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async read(siteId: string): Promise<LeaseItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { siteId }, ConsistentRead: true }));
    return out.Item as LeaseItem | undefined;
  }

  /** Takes the lease if it is free, expired or already ours; the fence always grows. */
  async acquire(siteId: string, owner: string, ttlMs: number): Promise<Lease> {
    const now = this.now();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { siteId },
          UpdateExpression: "SET #owner = :owner, fence = if_not_exists(fence, :zero) + :one, expiresAt = :exp",
          ConditionExpression: "attribute_not_exists(#owner) OR expiresAt < :now OR #owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": owner, ":zero": 0, ":one": 1, ":exp": now + ttlMs, ":now": now },
          ReturnValues: "ALL_NEW",
        }),
      );
      const item = out.Attributes as LeaseItem;
      return { siteId, owner, fence: item.fence!, expiresAt: item.expiresAt! };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.read(siteId);
      if (current?.owner === owner && current.fence !== undefined && current.expiresAt !== undefined) {
        return { siteId, owner, fence: current.fence, expiresAt: current.expiresAt };
      }
      throw new LeaseHeldError(siteId, current?.owner ?? "unknown", current?.expiresAt ?? 0);
    }
  }

  /** Heartbeat: pushes the expiry out, only while owner and fence are still ours. */
  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    const expiresAt = this.now() + ttlMs;
    try {
      await this.whileOurs(lease, "SET expiresAt = :exp", { ":exp": expiresAt });
      return { ...lease, expiresAt };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.read(lease.siteId);
      if (current?.owner === lease.owner && current.fence === lease.fence)
        return { ...lease, expiresAt: current.expiresAt ?? expiresAt };
      throw new LeaseLostError(
        lease.siteId,
        `now held by ${current?.owner ?? "nobody"} with fence ${current?.fence ?? "none"}`,
      );
    }
  }

  /** Frees the lease but keeps the fence, so the next holder's fence is higher still. */
  async release(lease: Lease): Promise<void> {
    try {
      await this.whileOurs(lease, "REMOVE #owner SET expiresAt = :zero", { ":zero": 0 });
    } catch (err) {
      // Already released (our own retried write) or taken over: either way it is not ours to free.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** An update that applies only while owner and fence are still the lease's. */
  private async whileOurs(lease: Lease, update: string, values: Record<string, unknown>): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { siteId: lease.siteId },
        UpdateExpression: update,
        ConditionExpression: "#owner = :owner AND fence = :fence",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":owner": lease.owner, ":fence": lease.fence, ...values },
      }),
    );
  }
}
