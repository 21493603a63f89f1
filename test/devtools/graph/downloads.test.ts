// Content downloads as Graph serves them: /content answers 302 to a pre-authenticated, expiring URL
// that honours Range; generated content is deterministic and matches expectedFiles' SHA-256.
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { SITE, getOnce, useEmulator } from "../../../devtools/graph/harness/client-harness";
import { httpsFetch } from "../../../devtools/graph/harness/loopback-graph-client";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("Graph emulator: downloads", () => {
  const h = useEmulator({
    // Downloads must work without a bearer token while every API route demands one.
    authorise: async (req) =>
      req.headers.authorization
        ? undefined
        : { status: 401, body: { error: { code: "InvalidAuthenticationToken", message: "Access token is empty." } } },
  });
  // 300,001 bytes: several 64 KiB generator chunks and a ragged last one.
  const SIZE = 300_001;
  let fileId: string;
  beforeEach(() => {
    fileId = h.library.addFile(null, "report.bin", { size: SIZE, seed: 99 });
  });

  const content = (range?: string) =>
    h.client
      .api(`/sites/${SITE}/drive/items/${fileId}/content`)
      .headers(range ? { Range: range } : {})
      .responseType(ResponseType.RAW)
      .get() as Promise<Response>;

  it("follows /content's 302 to the whole file, whose SHA-256 matches expectedFiles", async () => {
    const response = await content();
    assert.equal(response.status, 200);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(bytes.length, SIZE);
    assert.equal(sha256(bytes), h.library.expectedFiles().get(fileId)!.sha256);
    assert.equal(h.emulator.stats.contentRedirects, 1);
    assert.equal(h.emulator.stats.bytesServed, SIZE);
  });

  it("answers Range with 206 and Content-Range, the same bytes as the whole file, across chunk boundaries", async () => {
    const whole = Buffer.from(await (await content()).arrayBuffer());
    for (const [range, start, end] of [
      ["bytes=0-9", 0, 9],
      ["bytes=65530-65545", 65530, 65545],
      [`bytes=${SIZE - 10}-`, SIZE - 10, SIZE - 1],
      ["bytes=-7", SIZE - 7, SIZE - 1],
      ["bytes=299990-999999", 299990, SIZE - 1],
    ] as const) {
      const response = await content(range);
      assert.equal(response.status, 206, range);
      assert.equal(response.headers.get("content-range"), `bytes ${start}-${end}/${SIZE}`, range);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), whole.subarray(start, end + 1), range);
    }
    const beyond = await content(`bytes=${SIZE}-`);
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${SIZE}`);
  });

  it("serves the item's downloadUrl without a bearer token, and answers 401 once download URLs expire", async () => {
    const item = await getOnce(h.client, `/sites/${SITE}/drive/items/${fileId}`);
    const url: string = item["@microsoft.graph.downloadUrl"];
    const ok = await httpsFetch(url, h.caPem, { headers: { range: "bytes=0-3" } });
    assert.equal(ok.status, 206);

    h.emulator.faults.expireDownloadUrls();
    const expired = await httpsFetch(url, h.caPem);
    assert.equal(expired.status, 401);
    assert.equal(((await expired.json()) as { error: { code: string } }).error.code, "unauthenticated");

    const fresh = await getOnce(h.client, `/sites/${SITE}/drive/items/${fileId}`);
    assert.equal(
      (await httpsFetch(fresh["@microsoft.graph.downloadUrl"], h.caPem)).status,
      200,
      "a fresh item GET gives a working URL",
    );
    const tampered = await httpsFetch(
      fresh["@microsoft.graph.downloadUrl"].replace(/.$/, (c: string) => (c === "A" ? "B" : "A")),
      h.caPem,
    );
    assert.equal(tampered.status, 401);
  });

  it("throttles downloads with 429 or 503 and Retry-After, like SharePoint's download hosts", async () => {
    const item = await getOnce(h.client, `/sites/${SITE}/drive/items/${fileId}`);
    h.emulator.faults.throttleDownloads(1, { retryAfterSeconds: 3 });
    h.emulator.faults.throttleDownloads(1, { status: 503, retryAfterSeconds: 5 });
    const tooMany = await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem);
    assert.equal(tooMany.status, 429);
    assert.equal(tooMany.headers.get("retry-after"), "3");
    assert.equal(((await tooMany.json()) as { error: { code: string } }).error.code, "TooManyRequests");
    const unavailable = await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get("retry-after"), "5");
    assert.equal((await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem)).status, 200);
    assert.equal(h.emulator.stats.throttled, 2);
  });

  it("fails the next downloads with the asked status, and answers 404 for a deleted item's URL", async () => {
    const item = await getOnce(h.client, `/sites/${SITE}/drive/items/${fileId}`);
    h.emulator.faults.failDownloads(1, 403);
    assert.equal((await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem)).status, 403);
    assert.equal((await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem)).status, 200);
    h.library.delete(fileId);
    assert.equal((await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem)).status, 404);
  });
});

describe("Graph emulator: download URL lifetime", () => {
  // The emulator's clock is the test's: the URL's lifetime passes without waiting for it.
  let now = Date.UTC(2026, 0, 1);
  const h = useEmulator({ downloadUrlTtlMs: 5 * 60 * 1000, now: () => now });

  it("expires download URLs after downloadUrlTtlMs", async () => {
    const id = h.library.addFile(null, "short-lived.txt", Buffer.from("soon gone"));
    const item = await getOnce(h.client, `/sites/${SITE}/drive/items/${id}`);
    now += 5 * 60 * 1000;
    assert.equal((await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem)).status, 200, "valid to the last ms");
    now += 1;
    assert.equal((await httpsFetch(item["@microsoft.graph.downloadUrl"], h.caPem)).status, 401);
  });
});
