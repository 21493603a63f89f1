// The in-memory stores the in-process round tests use (devtools/worker/memory-stores.ts) must behave
// like the DynamoDB ones at the seam: the same contract runs against both, the DynamoDB ones on
// dynalite's real conditional writes. Fences, paging order, quarantine bookkeeping.
import { strict as assert } from "node:assert";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startLocalStores, type LocalStores } from "../../devtools/local-stores";
import { MemoryDocuments, MemoryQuarantine } from "../../devtools/worker/memory-stores";
import { DocumentStore, type DocumentRecord } from "../../worker/src/stores/document-store";
import { ContentChangedError, LeaseLostError } from "../../worker/src/stores/errors";
import { QuarantineStore } from "../../worker/src/stores/quarantine-store";
import { createMissingTables } from "../../worker/src/stores/tables";
import type { DocumentStorePort, QuarantineStorePort } from "../../worker/src/sync/ports";

const TABLES = { checkpoints: "m-checkpoints", state: "m-state", documents: "m-documents", lease: "m-lease" };

function row(siteId: string, itemId: string, extra: Partial<DocumentRecord> = {}): DocumentRecord {
  return {
    siteId,
    itemId,
    kind: "file",
    name: `${itemId}.txt`,
    path: `${itemId}.txt`,
    roundId: "r1",
    syncedAt: "t",
    ...extra,
  };
}

function contract(name: string, make: () => { documents: DocumentStorePort; quarantine: QuarantineStorePort }) {
  describe(`document and quarantine store contract: ${name}`, () => {
    let site = 0;
    const nextSite = () => `${name}-site-${++site}`;

    it("refuses a write, update or delete of a row a newer fence wrote, and takes the same fence again", async () => {
      const { documents } = make();
      const siteId = nextSite();
      await documents.put(row(siteId, "a"), 2);
      await documents.put(row(siteId, "a", { path: "again.txt" }), 2);
      await assert.rejects(documents.put(row(siteId, "a", { path: "stale.txt" }), 1), LeaseLostError);
      await assert.rejects(documents.setPath(siteId, "a", "stale.txt", 1), LeaseLostError);
      await assert.rejects(documents.markSeen(siteId, "a", "r-stale", 1), LeaseLostError);
      await assert.rejects(documents.delete(siteId, "a", 1), LeaseLostError);
      const kept = (await documents.getMany(siteId, ["a"])).get("a")!;
      assert.equal(kept.path, "again.txt");
      assert.equal(kept.fence, 2);
      await documents.markSeen(siteId, "a", "r2", 3);
      assert.equal(
        (await documents.getMany(siteId, ["a"])).get("a")!.fence,
        3,
        "a newer holder's update raises the fence",
      );
      await documents.delete(siteId, "a", 3);
      assert.equal((await documents.getMany(siteId, ["a"])).size, 0);
    });

    it("commits content only over the content the writer read, and a newer fence still wins", async () => {
      const { documents } = make();
      const siteId = nextSite();
      // Two writers read "no content": the first commit lands, the second is told what is there now.
      await documents.put(row(siteId, "f", { s3Key: "k1", eTag: "e1" }), 1, { ifContent: null });
      const late = await documents.put(row(siteId, "f", { s3Key: "k2" }), 1, { ifContent: null }).catch((e) => e);
      assert.ok(late instanceof ContentChangedError, String(late));
      assert.equal(late.current?.s3Key, "k1");
      assert.equal(late.current?.eTag, "e1");
      // A writer that read k1 replaces it; one still holding k1 as what it read is refused.
      await documents.put(row(siteId, "f", { s3Key: "k3" }), 1, { ifContent: "k1" });
      await assert.rejects(
        documents.put(row(siteId, "f", { s3Key: "k4" }), 1, { ifContent: "k1" }),
        ContentChangedError,
      );
      // The fence is checked first: a stale writer is a lost lease, whatever it read.
      await documents.markSeen(siteId, "f", "r2", 2);
      await assert.rejects(documents.put(row(siteId, "f", { s3Key: "k5" }), 1, { ifContent: "k3" }), LeaseLostError);
      // A row deleted meanwhile refuses a commit against the content it had.
      assert.equal(
        (await documents.delete(siteId, "f", 2))?.s3Key,
        "k3",
        "the deletion answers with the row it deleted",
      );
      const gone = await documents.put(row(siteId, "f", { s3Key: "k6" }), 2, { ifContent: "k3" }).catch((e) => e);
      assert.ok(gone instanceof ContentChangedError, String(gone));
      assert.equal(gone.current, undefined);
      assert.equal((await documents.getMany(siteId, ["f"])).size, 0);
      assert.equal(await documents.delete(siteId, "never", 2), undefined);
    });

    it("ignores an update of a row deleted meanwhile, without creating it", async () => {
      const { documents } = make();
      const siteId = nextSite();
      await documents.setPath(siteId, "gone", "x", 1);
      await documents.markSeen(siteId, "gone", "r", 1);
      assert.equal((await documents.getMany(siteId, ["gone"])).size, 0);
    });

    it("pages a site's rows in item id order, continuing after the last one, and only that site's", async () => {
      const { documents } = make();
      const siteId = nextSite();
      const ids = ["b", "a", "d", "c", "e"];
      for (const id of ids) await documents.put(row(siteId, id, id === "c" ? { kind: "folder" } : {}), 1);
      await documents.put(row(`${siteId}-other`, "z"), 1);
      const first = await documents.page(siteId, { limit: 2 });
      assert.deepEqual(
        first.records.map((r) => r.itemId),
        ["a", "b"],
      );
      assert.equal(first.last, "b");
      const rest = await documents.page(siteId, { after: first.last, limit: 10 });
      assert.deepEqual(
        rest.records.map((r) => r.itemId),
        ["c", "d", "e"],
      );
      assert.equal(rest.last, undefined);
      const folders = await documents.page(siteId, { limit: 10, foldersOnly: true });
      assert.deepEqual(
        folders.records.map((r) => r.itemId),
        ["c"],
      );
    });

    it("adds up attempts, keeps first seen, lists and clears quarantine entries, fenced", async () => {
      const { quarantine } = make();
      const siteId = nextSite();
      const first = await quarantine.record(
        siteId,
        { itemId: "q", path: "Q.docx", error: "e1", attempts: 3, roundId: "r1" },
        1,
      );
      const second = await quarantine.record(siteId, { itemId: "q", error: "e2", attempts: 2, roundId: "r2" }, 1);
      assert.equal(second.attempts, 5);
      assert.equal(second.firstSeen, first.firstSeen);
      assert.equal(second.path, "Q.docx", "the path is kept when a later failure does not know it");
      assert.deepEqual(
        (await quarantine.list(siteId)).map((e) => [e.itemId, e.error, e.attempts]),
        [["q", "e2", 5]],
      );
      await quarantine.record(siteId, { itemId: "q", error: "e3", attempts: 1, roundId: "r3" }, 4);
      await assert.rejects(quarantine.clear(siteId, "q", 3), LeaseLostError);
      await quarantine.clear(siteId, "q", 4);
      assert.deepEqual(await quarantine.list(siteId), []);
    });
  });
}

describe("worker stores: the in-memory ones keep the DynamoDB ones' contract", () => {
  let stores: LocalStores;
  let doc: DynamoDBDocumentClient;
  before(async function () {
    stores = await startLocalStores();
    const dynamo = new DynamoDBClient({
      region: "ap-southeast-2",
      endpoint: stores.dynamoEndpoint,
      credentials: stores.credentials,
    });
    doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    await createMissingTables(dynamo, TABLES);
  });
  after(async () => {
    doc?.destroy();
    await stores?.close();
  });

  contract("dynalite", () => ({
    documents: new DocumentStore(doc, TABLES.documents),
    quarantine: new QuarantineStore(doc, TABLES.documents),
  }));
  contract("in memory", () => ({ documents: new MemoryDocuments(), quarantine: new MemoryQuarantine() }));
});
