// Shared set-up for the emulator's protocol tests: one throwaway CA per file, an HTTPS emulator per
// test, the real Graph client pointed at it, and a delta-round walker that follows links as a sync
// client must.
import { strict as assert } from "node:assert";
import { GraphError, RetryHandlerOptions, type Client } from "@microsoft/microsoft-graph-client";
import { createLoopbackTls, type LoopbackTls } from "../../entra/tls";
import { GraphEmulator, type GraphEmulatorOptions, type Library } from "..";
import { loopbackGraphClient } from "./loopback-graph-client";

export const SITE = "contoso.sharepoint.com,11111111-2222-3333-4444-555555555555,66666666-7777-8888-9999-000000000000";
export const ROOT_DELTA = `/sites/${SITE}/drive/root/delta`;

export type Item = Record<string, any> & { id: string };
export interface DeltaRound {
  pages: Array<{ value: Item[]; nextLink?: string; deltaLink?: string }>;
  /** Every entry, in order, duplicates included. */
  entries: Item[];
  deltaLink: string;
}

export interface Harness {
  emulator: GraphEmulator;
  library: Library;
  client: Client;
  accessToken: string;
  /** The throwaway CA the emulator's certificate chains to. */
  caPem: string;
}

/** Registers mocha hooks; the returned object is filled in before each test. */
export function useEmulator(options: GraphEmulatorOptions = {}): Harness {
  let tls: LoopbackTls;
  const harness = {} as Harness;
  before(() => {
    tls = createLoopbackTls("Graph emulator test CA");
  });
  after(() => tls.dispose());
  beforeEach(async () => {
    harness.emulator = await GraphEmulator.start({
      pageSize: 3,
      seed: 7,
      ...options,
      tls: { certPem: tls.certPem, keyPem: tls.keyPem },
    });
    harness.library = harness.emulator.site(SITE);
    Object.assign(harness, loopbackGraphClient(harness.emulator.baseUrl, tls.caPem), { caPem: tls.caPem });
  });
  afterEach(() => harness.emulator.close());
  return harness;
}

/** Follows @odata.nextLink until a page carries @odata.deltaLink; `between` runs after each non-final page. */
export async function deltaRound(
  client: Client,
  start: string,
  between?: (pagesSoFar: number) => void,
): Promise<DeltaRound> {
  const pages: DeltaRound["pages"] = [];
  let link = start;
  for (;;) {
    const page = await client.api(link).get();
    pages.push({ value: page.value, nextLink: page["@odata.nextLink"], deltaLink: page["@odata.deltaLink"] });
    if (page["@odata.deltaLink"]) {
      assert.equal(page["@odata.nextLink"], undefined, "a page has either a nextLink or a deltaLink");
      return { pages, entries: pages.flatMap((p) => p.value), deltaLink: page["@odata.deltaLink"] };
    }
    assert.ok(page["@odata.nextLink"], "a page without a deltaLink must carry a nextLink");
    between?.(pages.length);
    link = page["@odata.nextLink"] as string;
  }
}

/** The last occurrence of each id wins, as Graph documents. */
export function lastOccurrence(entries: Item[]): Map<string, Item> {
  return new Map(entries.map((item) => [item.id, item]));
}

/** GET without the client's retry handler, so a test sees the emulator's error answer itself. */
export async function getOnce(client: Client, path: string, headers: Record<string, string> = {}): Promise<any> {
  return client
    .api(path)
    .headers(headers)
    .middlewareOptions([new RetryHandlerOptions(0, 0)])
    .get();
}

/** The GraphError a request fails with (fails the test if it succeeds or fails otherwise). */
export async function graphErrorOf(request: Promise<unknown>): Promise<GraphError> {
  const outcome = await request.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  assert.ok(
    "error" in outcome,
    `expected a Graph error, got ${JSON.stringify((outcome as { value: unknown }).value)?.slice(0, 200)}`,
  );
  assert.ok(outcome.error instanceof GraphError, `expected a GraphError, got ${String(outcome.error)}`);
  return outcome.error;
}
