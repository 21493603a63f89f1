// Faults a sync client must survive, as the real Graph client sees them: 410 resync on a stale
// deltaLink and mid-round, throttling with Retry-After, injected 5xx, dropped connections, the
// authorise hook, malformed tokens and unknown routes.
import { strict as assert } from "node:assert";
import { GraphEmulator, KEPT_ROUNDS } from "../../../devtools/graph";
import {
  ROOT_DELTA,
  SITE,
  deltaRound,
  getOnce,
  graphErrorOf,
  lastOccurrence,
  useEmulator,
} from "../../../devtools/graph/harness/client-harness";

describe("Graph emulator: faults through @microsoft/microsoft-graph-client", () => {
  const h = useEmulator();

  it("answers a stale deltaLink with 410 resyncRequired and a Location that starts a fresh full listing", async () => {
    const keep = h.library.addFile(null, "keep.txt", Buffer.from("k"));
    const first = await deltaRound(h.client, ROOT_DELTA);
    h.emulator.faults.goneOnDeltaLink();
    const gone = await graphErrorOf(getOnce(h.client, first.deltaLink));
    assert.equal(gone.statusCode, 410);
    assert.equal(gone.code, "resyncRequired");
    const location = gone.headers?.get("location");
    assert.equal(location, `${h.emulator.baseUrl}/sites/${SITE}/drive/root/delta`);
    const fresh = await deltaRound(h.client, location!);
    assert.ok(lastOccurrence(fresh.entries).has(keep), "the fresh listing is a full one");
    const again = await h.client.api(fresh.deltaLink).get();
    assert.deepEqual(again.value, [], "links issued after the fault work");
    assert.equal(h.emulator.stats.gone, 1);
  });

  it("can make a stored nextLink go stale mid-round, with each of Graph's resync codes", async () => {
    h.library.generate({ files: 10, seed: 4 });
    for (const code of ["resyncRequired", "resyncChangesApplyDifferences", "resyncChangesUploadDifferences"] as const) {
      const firstPage = await h.client.api(ROOT_DELTA).get();
      h.emulator.faults.goneOnNextLink(code);
      const gone = await graphErrorOf(getOnce(h.client, firstPage["@odata.nextLink"]));
      assert.equal(gone.statusCode, 410);
      assert.equal(gone.code, code);
      assert.equal(gone.headers?.get("location"), `${h.emulator.baseUrl}/sites/${SITE}/drive/root/delta`);
    }
    const complete = await deltaRound(h.client, ROOT_DELTA);
    assert.equal([...lastOccurrence(complete.entries).values()].filter((item) => item.file).length, 10);
  });

  it("forgets the oldest rounds beyond KEPT_ROUNDS: their nextLinks answer 410 resyncRequired", async () => {
    h.library.generate({ files: 5, seed: 1 });
    const oldest = await h.client.api(ROOT_DELTA).get();
    for (let i = 0; i < KEPT_ROUNDS; i++) await h.client.api(ROOT_DELTA).get();
    const gone = await graphErrorOf(getOnce(h.client, oldest["@odata.nextLink"]));
    assert.equal(gone.statusCode, 410);
    assert.equal(gone.code, "resyncRequired");
  });

  it("throttles with 429 and Retry-After in Graph's error shape, which the client's retry handler honours", async () => {
    h.emulator.faults.throttle(1, { retryAfterSeconds: 1 });
    const throttled = await graphErrorOf(getOnce(h.client, ROOT_DELTA));
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.code, "TooManyRequests");
    assert.equal(throttled.headers?.get("retry-after"), "1");

    h.emulator.faults.throttle(1, { retryAfterSeconds: 1 });
    const page = await h.client.api(ROOT_DELTA).get();
    assert.ok(Array.isArray(page.value), "the retried request succeeds");
    assert.equal(h.emulator.stats.throttled, 2);
  });

  it("throttles with 503 serviceNotAvailable when asked", async () => {
    h.emulator.faults.throttle(1, { status: 503, retryAfterSeconds: 7 });
    const unavailable = await graphErrorOf(getOnce(h.client, ROOT_DELTA));
    assert.equal(unavailable.statusCode, 503);
    assert.equal(unavailable.code, "serviceNotAvailable");
    assert.equal(unavailable.headers?.get("retry-after"), "7");
  });

  it("fails the next requests with the asked status in Graph's error shape, then recovers", async () => {
    h.emulator.faults.failNext(2, 502);
    for (let i = 0; i < 2; i++) {
      const failed = await graphErrorOf(getOnce(h.client, `/sites/${SITE}/drive`));
      assert.equal(failed.statusCode, 502);
      assert.equal(failed.code, "badGateway");
      assert.ok(failed.requestId, "Graph errors carry a request-id");
    }
    const drive = await getOnce(h.client, `/sites/${SITE}/drive`);
    assert.equal(drive.id, h.library.driveId);
    assert.equal(h.emulator.stats.failed, 2);
  });

  it("drops the connection of the next requests (a network error, not an HTTP answer)", async () => {
    h.emulator.faults.resetConnections(1);
    const outcome = await getOnce(h.client, ROOT_DELTA).then(
      () => "answered",
      (err: Error) => err,
    );
    assert.ok(
      outcome instanceof Error && /socket hang up|ECONNRESET/i.test(outcome.message),
      `expected a reset, got ${String(outcome)}`,
    );
    const page = await getOnce(h.client, ROOT_DELTA);
    assert.ok(Array.isArray(page.value));
    assert.equal(h.emulator.stats.resets, 1);
  });

  it("refuses a token it did not issue unchanged with 400 invalidRequest", async () => {
    const first = await h.client.api(ROOT_DELTA).get();
    const link = new URL(first["@odata.deltaLink"]);
    const [body, mac] = link.searchParams.get("token")!.split(".");
    const state = JSON.parse(Buffer.from(body, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...state, v: 0 })).toString("base64url");
    const tampered = await graphErrorOf(getOnce(h.client, `${ROOT_DELTA}?token=${forged}.${mac}`));
    assert.equal(tampered.statusCode, 400);
    assert.equal(tampered.code, "invalidRequest");
    const garbage = await graphErrorOf(getOnce(h.client, `${ROOT_DELTA}?token=not-a-token`));
    assert.equal(garbage.statusCode, 400);
  });

  it("answers unknown routes, sites, items and bad $top in Graph's error shape", async () => {
    const unknownRoute = await graphErrorOf(getOnce(h.client, `/sites/${SITE}/lists`));
    assert.equal(unknownRoute.statusCode, 404);
    const unknownSite = await graphErrorOf(getOnce(h.client, "/sites/nowhere.sharepoint.com,1,2/drive/root/delta"));
    assert.equal(unknownSite.statusCode, 404);
    assert.equal(unknownSite.code, "itemNotFound");
    const deleted = h.library.addFile(null, "gone.txt", Buffer.from("g"));
    h.library.delete(deleted);
    const item = await graphErrorOf(getOnce(h.client, `/sites/${SITE}/drive/items/${deleted}`));
    assert.equal(item.statusCode, 404);
    assert.equal(item.code, "itemNotFound");
    const badEncoding = await graphErrorOf(getOnce(h.client, `/sites/${SITE}/drive/items/%E0%A4%A`));
    assert.equal(badEncoding.statusCode, 400);
    assert.match(badEncoding.message, /not valid percent-encoding/);
    const top = await graphErrorOf(getOnce(h.client, `${ROOT_DELTA}?$top=0`));
    assert.equal(top.statusCode, 400);
    assert.match(top.message, /\$top/);
  });
});

describe("Graph emulator: authorisation hook and rate limit", () => {
  let seen: Array<string | undefined> = [];
  const h = useEmulator({
    maxRequestsPerSecond: 3,
    authorise: async (req) => {
      seen.push(req.headers.authorization);
      return req.headers["x-refuse"]
        ? { status: 403, body: { error: { code: "accessDenied", message: "Refused by the test hook" } } }
        : undefined;
    },
  });
  beforeEach(() => {
    seen = [];
  });

  it("runs the authorise hook before every API route, with the client's bearer token", async () => {
    await getOnce(h.client, ROOT_DELTA);
    assert.deepEqual(seen, [`Bearer ${h.accessToken}`]);
    const refused = await graphErrorOf(getOnce(h.client, ROOT_DELTA, { "x-refuse": "1" }));
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.code, "accessDenied");
    assert.equal(h.emulator.stats.refused, 1);
  });

  it("answers 429 with Retry-After beyond maxRequestsPerSecond", async () => {
    const outcomes = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(
        await getOnce(h.client, `/sites/${SITE}/drive`).then(
          () => 200,
          (err: { statusCode: number }) => err.statusCode,
        ),
      );
    assert.deepEqual(outcomes, [200, 200, 200, 429]);
    const limited = await graphErrorOf(getOnce(h.client, `/sites/${SITE}/drive`));
    assert.equal(limited.headers?.get("retry-after"), "1");
  });
});

describe("Graph emulator: options", () => {
  it("refuses to listen anywhere but loopback", async () => {
    await assert.rejects(GraphEmulator.start({ host: "0.0.0.0" }), /loopback only; got host "0.0.0.0"/);
  });

  it("names every invalid option", async () => {
    await assert.rejects(
      GraphEmulator.start({ pageSize: 5000, latencyMs: -1, authorise: "yes" as never }),
      (err: Error) =>
        /pageSize/.test(err.message) &&
        /latencyMs/.test(err.message) &&
        /authorise: must be a function/.test(err.message),
    );
  });
});
