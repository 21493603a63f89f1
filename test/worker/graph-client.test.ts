// The worker's Graph client against the emulator: the shared throttle gate, retries with backoff,
// download URLs resolved at download time and refreshed, 410 handling, and link origin checks.
import { strict as assert } from "node:assert";
import { createHash, randomUUID } from "node:crypto";
import { GraphEmulator } from "../../devtools/graph";
import { explainGraphRefusal } from "../../worker/src/credentials";
import { GraphClient } from "../../worker/src/graph/client";
import { ResyncRequiredError } from "../../worker/src/graph/errors";
import { GraphHttp } from "../../worker/src/graph/http";
import { ThrottleGate, retryAfterMs } from "../../worker/src/graph/throttle-gate";
import { ManualClock } from "../../devtools/worker/manual-clock";

const SITE = "client-test-site";

async function sha256Of(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

describe("worker Graph client", () => {
  let graph: GraphEmulator;
  let client: GraphClient;
  let fileId: string;
  beforeEach(async () => {
    graph = await GraphEmulator.start({ pageSize: 10, seed: 3 });
    const library = graph.site(SITE);
    library.generate({ files: 25, folders: 2, seed: 4, maxSize: 20_000 });
    fileId = [...library.expectedFiles().keys()][0];
    client = new GraphClient(graph.baseUrl, new GraphHttp({ startingDelayMs: 20, maxDelayMs: 100 }));
  });
  afterEach(async () => graph.close());

  it("pages through a full listing to a deltaLink", async () => {
    let page = await client.deltaPage(client.fullDeltaUrl(SITE));
    const ids = new Set(page.items.map((i) => i.id));
    let pages = 1;
    while (page.nextLink) {
      page = await client.deltaPage(page.nextLink);
      page.items.forEach((i) => ids.add(i.id));
      pages++;
    }
    assert.ok(page.deltaLink);
    assert.ok(pages >= 3);
    for (const id of graph.site(SITE).expectedFiles().keys()) assert.ok(ids.has(id));
  });

  it("pauses the WHOLE client on 429 for Retry-After, not just the refused request", async () => {
    // A production-length Retry-After, on a clock the test moves: no real waiting.
    const clock = new ManualClock();
    const paused = new GraphClient(graph.baseUrl, new GraphHttp({ clock, startingDelayMs: 1 }));
    graph.faults.throttle(1, { retryAfterSeconds: 120 });
    const first = paused.getItem(SITE, fileId);
    await clock.untilSleeping(1);
    const seenAtPause = graph.stats.requests;
    const others = Promise.all([paused.getItem(SITE, fileId), paused.getItem(SITE, fileId)]);
    await clock.untilSleeping(3);
    assert.equal(graph.stats.requests, seenAtPause, "no request reached Graph while the gate was closed");
    clock.advance(119_000);
    assert.equal(clock.sleeping, 3, "still closed a second before Retry-After ends");
    clock.advance(1_000);
    const items = await Promise.all([first, others]);
    assert.equal(items[0]?.id, fileId);
    assert.equal(paused.http.counts.throttled, 1);
    assert.equal(paused.http.gate.pausedMs, 120_000);
  });

  it("retries a delta page whose body is cut off while it is read", async () => {
    graph.faults.cutDeltaBodies(2);
    const page = await client.deltaPage(client.fullDeltaUrl(SITE));
    assert.equal(page.items.length, 10);
    assert.equal(client.http.counts.retried, 2);
  });

  it("forces one token refresh on a 401 before giving it back", async () => {
    const issued: Array<string | undefined> = [];
    const credential = {
      async getToken(_scope: string | string[], options?: { claims?: string }) {
        issued.push(options?.claims);
        return { token: options?.claims ? "fresh" : "revoked", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const guarded = await GraphEmulator.start({
      authorise: async (req) =>
        req.headers.authorization === "Bearer fresh"
          ? undefined
          : {
              status: 401,
              body: {
                error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." },
              },
            },
    });
    try {
      guarded.site(SITE).generate({ files: 1, seed: 1 });
      const refreshing = new GraphClient(guarded.baseUrl, new GraphHttp({ credential }));
      const page = await refreshing.deltaPage(refreshing.fullDeltaUrl(SITE));
      assert.ok(page.items.length > 0);
      assert.equal(issued.length, 2);
      assert.match(issued[1]!, /"nbf"/, "the second token request carries claims, which makes MSAL skip its cache");
      assert.equal(refreshing.http.counts.tokenRefreshes, 1);
      // A token refused even when fresh is refused once more, then given back: one refresh, not a loop.
      guarded.site(SITE);
      const always = await GraphEmulator.start({
        authorise: async () => ({
          status: 401,
          body: { error: { code: "InvalidAuthenticationToken", message: "no" } },
        }),
      });
      try {
        always.site(SITE).generate({ files: 1, seed: 1 });
        const refused = new GraphClient(always.baseUrl, new GraphHttp({ credential }));
        await assert.rejects(refused.deltaPage(refused.fullDeltaUrl(SITE)), /Graph 401 InvalidAuthenticationToken/);
        assert.equal(refused.http.counts.tokenRefreshes, 1);
      } finally {
        await always.close();
      }
    } finally {
      await guarded.close();
    }
  });

  it("times out a request that never answers, and retries it", async () => {
    const hung = new GraphClient(
      graph.baseUrl,
      new GraphHttp({ requestTimeoutMs: 100, maxAttempts: 2, startingDelayMs: 1 }),
    );
    const stalled = await import("node:http").then(({ createServer }) => createServer(() => undefined));
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    try {
      const port = (stalled.address() as { port: number }).port;
      const silent = new GraphClient(
        `http://127.0.0.1:${port}/v1.0`,
        new GraphHttp({ requestTimeoutMs: 100, maxAttempts: 2, startingDelayMs: 1 }),
      );
      await assert.rejects(silent.getItem(SITE, fileId), /no answer within 100 ms/);
      assert.equal(silent.http.counts.timeouts, 2);
      assert.ok(await hung.getItem(SITE, fileId), "a live endpoint answers within the same timeout");
    } finally {
      stalled.closeAllConnections();
      stalled.close();
    }
  });

  it("cuts a download that stops delivering bytes", async () => {
    const big = graph.site(SITE).addFile(null, "Slow.bin", { size: 4 * 1024 * 1024, seed: 9 });
    const idle = new GraphClient(graph.baseUrl, new GraphHttp(), undefined, 100);
    const opened = await idle.openContent(SITE, big);
    // Nobody reads: no byte passes for longer than the idle limit.
    const failure = await new Promise<Error>((resolve) => opened!.body.once("error", resolve));
    assert.match(failure.message, /delivered no data/);
  });

  it("retries 5xx answers and reset connections with backoff", async () => {
    graph.faults.failNext(2, 503);
    graph.faults.failNext(1, 502);
    graph.faults.resetConnections(2);
    const item = await client.getItem(SITE, fileId);
    assert.equal(item?.id, fileId);
    assert.equal(client.http.counts.retried, 5);
  });

  it("gives up with the Graph error after too many 5xx answers", async () => {
    const impatient = new GraphClient(graph.baseUrl, new GraphHttp({ maxAttempts: 2, startingDelayMs: 1 }));
    graph.faults.failNext(5, 500);
    await assert.rejects(impatient.getItem(SITE, fileId), /HTTP 500/);
  });

  it("resolves the download URL at download time and refreshes it on 401/403", async () => {
    const expected = graph.site(SITE).expectedFiles().get(fileId)!.sha256;
    graph.faults.failDownloads(1, 401);
    graph.faults.failDownloads(1, 403);
    const opened = await client.openContent(SITE, fileId);
    assert.equal(await sha256Of(opened!.body), expected);
    assert.equal(graph.stats.itemGets, 3, "one item GET per download URL tried");
  });

  it("returns undefined for an item deleted since it was listed", async () => {
    graph.site(SITE).delete(fileId);
    assert.equal(await client.openContent(SITE, fileId), undefined);
  });

  it("turns 410 on a stale link into ResyncRequiredError with Graph's code", async () => {
    let page = await client.deltaPage(client.fullDeltaUrl(SITE));
    graph.faults.goneOnNextLink("resyncChangesUploadDifferences");
    await assert.rejects(client.deltaPage(page.nextLink!), (err: unknown) => {
      assert.ok(err instanceof ResyncRequiredError);
      assert.equal(err.code, "resyncChangesUploadDifferences");
      return true;
    });
    graph.faults.clear();
    page = await client.deltaPage(client.fullDeltaUrl(SITE));
    assert.ok(page.items.length > 0);
  });

  it("explains a 403 from Graph through the credential chain's explainer, naming the app", async () => {
    const guarded = await GraphEmulator.start({
      authorise: async () => ({
        status: 403,
        body: {
          error: { code: "accessDenied", message: "Either scp or roles claim need to be present in the token." },
        },
      }),
    });
    try {
      guarded.site(SITE).generate({ files: 1, seed: 1 });
      const clientId = randomUUID();
      const explained = new GraphClient(guarded.baseUrl, new GraphHttp(), (status, body) =>
        explainGraphRefusal(status, body, clientId),
      );
      await assert.rejects(explained.deltaPage(explained.fullDeltaUrl(SITE)), (err: unknown) => {
        assert.match(String(err), new RegExp(`App registration ${clientId} lacks a Graph permission`));
        assert.match(String(err), /Graph 403 accessDenied/);
        return true;
      });
    } finally {
      await guarded.close();
    }
  });

  it("never sends its bearer token to a link on another host", async () => {
    await assert.rejects(
      client.deltaPage("https://attacker.invalid/v1.0/sites/x/drive/root/delta?token=abc"),
      /not on the configured Graph host/,
    );
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    assert.equal(retryAfterMs("3", 10), 3000);
    assert.equal(retryAfterMs(null, 10), 10);
    assert.equal(retryAfterMs("soon", 10), 10);
    const inFive = new Date(Date.now() + 5000).toUTCString();
    assert.ok(Math.abs(retryAfterMs(inFive, 10) - 5000) < 1500);
    const gate = new ThrottleGate();
    gate.close(200);
    gate.close(100); // a shorter pause never shortens a longer one
    assert.equal(gate.pauses, 2);
  });
});
