// The emulator speaks Graph's driveItem delta protocol to the real @microsoft/microsoft-graph-client:
// a full round paged through nextLinks to a deltaLink, then incremental rounds with Graph's quirks.
import { strict as assert } from "node:assert";
import type { Client } from "@microsoft/microsoft-graph-client";
import { createLoopbackTls, type LoopbackTls } from "../doubles/entra/tls";
import { GraphEmulator, type Library } from "../doubles/graph";
import { loopbackGraphClient } from "./loopback-graph-client";

const SITE = "contoso.sharepoint.com,11111111-2222-3333-4444-555555555555,66666666-7777-8888-9999-000000000000";

type Item = Record<string, any> & { id: string };
interface Round {
  pages: Array<{ value: Item[]; nextLink?: string; deltaLink?: string }>;
  /** Every entry, in order, duplicates included. */
  entries: Item[];
  deltaLink: string;
}

/** Follows @odata.nextLink until a page carries @odata.deltaLink, as a sync client must. */
async function deltaRound(client: Client, start: string, between?: (pageIndex: number) => void): Promise<Round> {
  const pages: Round["pages"] = [];
  let link = start;
  for (;;) {
    const page: any = await client.api(link).get();
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
function lastOccurrence(entries: Item[]): Map<string, Item> {
  return new Map(entries.map((item) => [item.id, item]));
}

describe("Graph emulator: delta protocol through @microsoft/microsoft-graph-client", () => {
  let tls: LoopbackTls;
  let emulator: GraphEmulator;
  let client: Client;
  let library: Library;
  let rootDelta: string;

  before(() => {
    tls = createLoopbackTls("Graph emulator test CA");
  });
  after(() => tls.dispose());

  beforeEach(async () => {
    emulator = await GraphEmulator.start({ pageSize: 3, seed: 7, tls: { certPem: tls.certPem, keyPem: tls.keyPem } });
    library = emulator.site(SITE);
    client = loopbackGraphClient(emulator.baseUrl, tls.caPem).client;
    rootDelta = `/sites/${SITE}/drive/root/delta`;
  });
  afterEach(() => emulator.close());

  it("pages a full listing through nextLinks to a deltaLink, root included, with Graph's item shapes", async () => {
    const reports = library.addFolder(null, "Reports");
    const q1 = library.addFolder(reports, "Q1");
    const plan = library.addFile(q1, "plan.txt", Buffer.from("quarterly plan"));
    const logo = library.addFile(null, "logo.png", { size: 70_000, seed: 3 });
    const round = await deltaRound(client, rootDelta);

    assert.ok(round.pages.length >= 2, `5 items at 3 per page need at least 2 pages, got ${round.pages.length}`);
    assert.ok(round.pages.slice(0, -1).every((p) => p.nextLink?.startsWith(`${emulator.baseUrl}/sites/`)), "nextLinks are absolute links on the emulator");
    assert.ok(round.deltaLink.startsWith(`${emulator.baseUrl}/sites/${SITE}/drive/root/delta?token=`));

    const items = lastOccurrence(round.entries);
    const root = [...items.values()].find((item) => item.root);
    assert.ok(root, "a full listing includes the root");
    assert.deepEqual(new Set(items.keys()), new Set([root.id, reports, q1, plan, logo]));
    assert.equal(root.name, "root");
    assert.deepEqual(root.folder, { childCount: 2 });

    const planItem = items.get(plan)!;
    assert.equal(planItem.name, "plan.txt");
    assert.equal(planItem.size, 14);
    assert.deepEqual(planItem.parentReference, { driveType: "documentLibrary", driveId: library.driveId, id: q1 });
    assert.equal(planItem.file.mimeType, "text/plain");
    assert.equal(planItem.file.hashes.sha256Hash, library.expectedFiles().get(plan)!.sha256.toUpperCase());
    assert.match(planItem.eTag, /^"\{[0-9A-F-]{36}\},1"$/);
    assert.match(planItem.cTag, /^"c:\{[0-9A-F-]{36}\},1"$/);
    assert.equal(items.get(reports)!.size, 14, "a folder's size is the bytes below it");
    assert.equal(items.get(logo)!.size, 70_000);

    assert.deepEqual(library.expectedFiles(), new Map([
      [plan, { path: "Reports/Q1/plan.txt", size: 14, sha256: library.expectedFiles().get(plan)!.sha256 }],
      [logo, { path: "logo.png", size: 70_000, sha256: library.expectedFiles().get(logo)!.sha256 }],
    ]));
  });

  it("lists only what changed in an incremental round: created, updated, renamed folder without descendants, deleted without a name", async () => {
    const projects = library.addFolder(null, "Projects");
    const alpha = library.addFolder(projects, "Alpha");
    const spec = library.addFile(alpha, "spec.docx", Buffer.from("v1"));
    const notes = library.addFile(alpha, "notes.txt", Buffer.from("notes"));
    const old = library.addFile(null, "old.csv", Buffer.from("a,b"));
    const untouched = library.addFile(null, "untouched.txt", Buffer.from("same"));
    const full = await deltaRound(client, rootDelta);
    const before = lastOccurrence(full.entries);
    const rootId = [...before.values()].find((item) => item.root)!.id;

    library.rename(alpha, "Alpha (archived)");
    library.updateFile(spec, Buffer.from("version two"));
    const added = library.addFile(projects, "added.txt", Buffer.from("new"));
    library.delete(old);

    const round = await deltaRound(client, full.deltaLink);
    const items = lastOccurrence(round.entries);
    // Changed items plus their ancestors; the renamed folder's other child (notes) and untouched are absent.
    assert.deepEqual(new Set(items.keys()), new Set([alpha, spec, added, old, projects, rootId]));
    assert.ok(!items.has(notes) && !items.has(untouched));

    const renamed = items.get(alpha)!;
    assert.equal(renamed.name, "Alpha (archived)");
    assert.notEqual(renamed.eTag, before.get(alpha)!.eTag, "a rename changes the eTag");
    assert.equal(renamed.cTag, before.get(alpha)!.cTag, "a rename does not change the cTag");

    const updated = items.get(spec)!;
    assert.notEqual(updated.eTag, before.get(spec)!.eTag);
    assert.notEqual(updated.cTag, before.get(spec)!.cTag);
    assert.equal(updated.size, 11);

    assert.deepEqual(items.get(old), { id: old, deleted: { state: "deleted" }, parentReference: { driveType: "documentLibrary", driveId: library.driveId, id: rootId } });
    assert.equal(items.get(added)!.parentReference.id, projects);

    const ancestorsRepeated = round.entries.filter((item) => item.id === projects).length;
    assert.ok(ancestorsRepeated >= 2, `an ancestor of several changes repeats (Projects listed ${ancestorsRepeated} times)`);

    const quiet = await deltaRound(client, round.deltaLink);
    assert.deepEqual(quiet.entries, [], "nothing changed since the last deltaLink");
    assert.equal(quiet.pages.length, 1);
  });

  it("serves the item with a pre-authenticated download URL, and /content as a 302 to one", async () => {
    const doc = library.addFile(null, "doc.pdf", Buffer.from("%PDF-1.7 emulated"));
    const item: any = await client.api(`/sites/${SITE}/drive/items/${doc}`).get();
    assert.equal(item.name, "doc.pdf");
    assert.equal(item.parentReference.path, "/drive/root:", "a single-item GET carries the parent's path");
    assert.match(item["@microsoft.graph.downloadUrl"], /^https:\/\/127\.0\.0\.1:\d+\/download\//);

    const bytes = Buffer.from(await client.api(`/sites/${SITE}/drive/items/${doc}/content`).responseType("arraybuffer" as never).get());
    assert.equal(bytes.toString(), "%PDF-1.7 emulated");
    assert.equal(emulator.stats.contentRedirects, 1);
    assert.equal(emulator.stats.downloads, 1);
  });
});
