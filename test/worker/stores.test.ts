// The lease and the fenced checkpoint/state writes, against dynalite's real conditional writes.
import { strict as assert } from "node:assert";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startLocalStores, type LocalStores } from "../../devtools/local-stores";
import { CheckpointStore, type Checkpoint } from "../../worker/src/stores/checkpoint-store";
import { LeaseHeldError, LeaseLostError } from "../../worker/src/stores/errors";
import { LeaseStore } from "../../worker/src/stores/lease-store";
import { StateStore } from "../../worker/src/stores/state-store";
import { createMissingTables } from "../../worker/src/stores/tables";

const TABLES = { checkpoints: "t-checkpoints", state: "t-state", documents: "t-documents", lease: "t-lease" };

function checkpoint(nextLink: string): Checkpoint {
  return {
    nextLink,
    roundId: "r1",
    mode: "full",
    pages: 1,
    items: 10,
    bytes: 100,
    startedAt: new Date().toISOString(),
    pathsDirty: false,
    reason: "test",
  };
}

describe("worker stores (lease, fenced checkpoint and state)", () => {
  let stores: LocalStores;
  let dynamo: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let site = 0;
  const nextSite = () => `site-${++site}`;

  before(async () => {
    stores = await startLocalStores();
    dynamo = new DynamoDBClient({
      region: "ap-southeast-2",
      endpoint: stores.dynamoEndpoint,
      credentials: stores.credentials,
    });
    doc = DynamoDBDocumentClient.from(dynamo);
    assert.deepEqual((await createMissingTables(dynamo, TABLES)).sort(), Object.values(TABLES).sort());
    assert.deepEqual(await createMissingTables(dynamo, TABLES), [], "a second call creates nothing");
  });
  after(async () => {
    doc.destroy();
    await stores.close();
  });

  it("grants the lease to one owner at a time and raises the fence on every acquisition", async () => {
    const siteId = nextSite();
    let now = 1_000_000;
    const leases = new LeaseStore(doc, TABLES.lease, () => now);
    const first = await leases.acquire(siteId, "worker-a", 60_000);
    assert.equal(first.fence, 1);
    await assert.rejects(leases.acquire(siteId, "worker-b", 60_000), (err: unknown) => {
      assert.ok(err instanceof LeaseHeldError);
      assert.equal(err.holder, "worker-a");
      assert.match(err.message, /Another worker holds the lease/);
      return true;
    });
    now += 61_000; // worker-a died without releasing: its lease expires
    const second = await leases.acquire(siteId, "worker-b", 60_000);
    assert.equal(second.fence, 2);
    await assert.rejects(leases.renew(first, 60_000), LeaseLostError);
    await leases.release(second);
    const third = await leases.acquire(siteId, "worker-c", 60_000);
    assert.equal(third.fence, 3, "release keeps the fence, so it keeps growing");
  });

  it("fences checkpoint and state writes: a stale lease holder can no longer write", async () => {
    const siteId = nextSite();
    const checkpoints = new CheckpointStore(doc, TABLES.checkpoints);
    const state = new StateStore(doc, TABLES.state);
    await checkpoints.claim(siteId, 1);
    await checkpoints.save(siteId, 1, checkpoint("https://graph.invalid/next-1"));
    // A newer holder (fence 2) claims the items.
    await checkpoints.claim(siteId, 2);
    await state.claim(siteId, 2);
    await assert.rejects(checkpoints.save(siteId, 1, checkpoint("https://graph.invalid/stale")), LeaseLostError);
    await assert.rejects(
      state.save(siteId, 1, {
        deltaLink: "x",
        completedAt: "",
        roundId: "",
        mode: "full",
        items: 0,
        bytes: 0,
        files: 0,
      }),
      LeaseLostError,
    );
    await assert.rejects(checkpoints.claim(siteId, 1), LeaseLostError, "a lower fence cannot claim back");
    assert.equal((await checkpoints.read(siteId))?.nextLink, "https://graph.invalid/next-1");
    await checkpoints.clear(siteId, 2);
    assert.equal(await checkpoints.read(siteId), undefined);
  });

  it("re-reads after a write that succeeded but reported ConditionalCheckFailed (a lost answer, then a failed retry)", async () => {
    const siteId = nextSite();
    // A client whose first write reaches the table but whose answer is replaced by the failure
    // a retry would have produced.
    const flaky = new DynamoDBClient({
      region: "ap-southeast-2",
      endpoint: stores.dynamoEndpoint,
      credentials: stores.credentials,
    });
    let sabotage = true;
    flaky.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (sabotage && (args.input as { ConditionExpression?: string }).ConditionExpression !== undefined) {
          sabotage = false;
          const err = new Error("The conditional request failed");
          err.name = "ConditionalCheckFailedException";
          throw err;
        }
        return result;
      },
      { step: "initialize" },
    );
    const flakyDoc = DynamoDBDocumentClient.from(flaky);
    try {
      const leases = new LeaseStore(flakyDoc, TABLES.lease);
      const lease = await leases.acquire(siteId, "worker-a", 60_000);
      assert.equal(lease.fence, 1, "the acquisition went through: re-read shows we own it");

      sabotage = true;
      const checkpoints = new CheckpointStore(flakyDoc, TABLES.checkpoints);
      await checkpoints.claim(siteId, lease.fence);
      sabotage = true;
      await checkpoints.save(siteId, lease.fence, checkpoint("https://graph.invalid/next-2"));
      assert.equal((await checkpoints.read(siteId))?.nextLink, "https://graph.invalid/next-2");
    } finally {
      flakyDoc.destroy();
    }
  });
});
