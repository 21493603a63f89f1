// The emulator speaks Graph's driveItem delta protocol to the real @microsoft/microsoft-graph-client:
// a full round paged through nextLinks to a deltaLink, then incremental rounds with Graph's quirks.
import { strict as assert } from "node:assert";
import { PageIterator } from "@microsoft/microsoft-graph-client";
import {
  ROOT_DELTA,
  SITE,
  deltaRound,
  lastOccurrence,
  useEmulator,
} from "../../../devtools/graph/harness/client-harness";
import { Mirror, pathsAndSizes } from "../../../devtools/graph/harness/mirror";
import { QuickXorHash } from "../../../devtools/graph/quick-xor-hash";

describe("Graph emulator: delta protocol through @microsoft/microsoft-graph-client", () => {
  const h = useEmulator();
  const rootDelta = ROOT_DELTA;

  it("pages a full listing through nextLinks to a deltaLink, root included, with Graph's item shapes", async () => {
    const reports = h.library.addFolder(null, "Reports");
    const q1 = h.library.addFolder(reports, "Q1");
    const plan = h.library.addFile(q1, "plan.txt", Buffer.from("quarterly plan"));
    const logo = h.library.addFile(null, "logo.png", { size: 70_000, seed: 3 });
    const round = await deltaRound(h.client, rootDelta);

    assert.ok(round.pages.length >= 2, `5 items at 3 per page need at least 2 pages, got ${round.pages.length}`);
    assert.ok(
      round.pages.slice(0, -1).every((p) => p.nextLink?.startsWith(`${h.emulator.baseUrl}/sites/`)),
      "nextLinks are absolute links on the emulator",
    );
    assert.ok(round.deltaLink.startsWith(`${h.emulator.baseUrl}/sites/${SITE}/drive/root/delta?token=`));

    const items = lastOccurrence(round.entries);
    const root = [...items.values()].find((item) => item.root);
    assert.ok(root, "a full listing includes the root");
    assert.deepEqual(new Set(items.keys()), new Set([root.id, reports, q1, plan, logo]));
    assert.equal(root.name, "root");
    assert.deepEqual(root.folder, { childCount: 2 });

    const planItem = items.get(plan)!;
    assert.equal(planItem.name, "plan.txt");
    assert.equal(planItem.size, 14);
    assert.deepEqual(planItem.parentReference, { driveType: "documentLibrary", driveId: h.library.driveId, id: q1 });
    assert.equal(planItem.file.mimeType, "text/plain");
    // SharePoint's shape (the default): quickXorHash only, and no cTag in delta items.
    assert.deepEqual(planItem.file.hashes, {
      quickXorHash: new QuickXorHash().update(Buffer.from("quarterly plan")).digest(),
    });
    assert.match(planItem.eTag, /^"\{[0-9A-F-]{36}\},1"$/);
    assert.equal(planItem.cTag, undefined);
    assert.equal(items.get(reports)!.size, 14, "a folder's size is the bytes below it");
    assert.equal(items.get(logo)!.size, 70_000);

    assert.deepEqual(
      h.library.expectedFiles(),
      new Map([
        [plan, { path: "Reports/Q1/plan.txt", size: 14, sha256: h.library.expectedFiles().get(plan)!.sha256 }],
        [logo, { path: "logo.png", size: 70_000, sha256: h.library.expectedFiles().get(logo)!.sha256 }],
      ]),
    );
  });

  it("lists only what changed in an incremental round: created, updated, renamed folder without descendants, deleted without a name", async () => {
    const projects = h.library.addFolder(null, "Projects");
    const alpha = h.library.addFolder(projects, "Alpha");
    const spec = h.library.addFile(alpha, "spec.docx", Buffer.from("v1"));
    const notes = h.library.addFile(alpha, "notes.txt", Buffer.from("notes"));
    const old = h.library.addFile(null, "old.csv", Buffer.from("a,b"));
    const untouched = h.library.addFile(null, "untouched.txt", Buffer.from("same"));
    const full = await deltaRound(h.client, rootDelta);
    const before = lastOccurrence(full.entries);
    const rootId = [...before.values()].find((item) => item.root)!.id;

    h.library.rename(alpha, "Alpha (archived)");
    h.library.updateFile(spec, Buffer.from("version two"));
    const added = h.library.addFile(projects, "added.txt", Buffer.from("new"));
    h.library.delete(old);

    const round = await deltaRound(h.client, full.deltaLink);
    const items = lastOccurrence(round.entries);
    // Changed items plus their ancestors; the renamed folder's other child (notes) and untouched are absent.
    assert.deepEqual(new Set(items.keys()), new Set([alpha, spec, added, old, projects, rootId]));
    assert.ok(!items.has(notes) && !items.has(untouched));

    const renamed = items.get(alpha)!;
    assert.equal(renamed.name, "Alpha (archived)");
    assert.notEqual(renamed.eTag, before.get(alpha)!.eTag, "a rename changes the eTag");

    const updated = items.get(spec)!;
    assert.notEqual(updated.eTag, before.get(spec)!.eTag);
    assert.notEqual(updated.file.hashes.quickXorHash, before.get(spec)!.file.hashes.quickXorHash);
    assert.equal(updated.size, 11);

    assert.deepEqual(items.get(old), {
      id: old,
      deleted: { state: "deleted" },
      parentReference: { driveType: "documentLibrary", driveId: h.library.driveId, id: rootId },
    });
    assert.equal(items.get(added)!.parentReference.id, projects);

    const ancestorsRepeated = round.entries.filter((item) => item.id === projects).length;
    assert.ok(
      ancestorsRepeated >= 2,
      `an ancestor of several changes repeats (Projects listed ${ancestorsRepeated} times)`,
    );

    const quiet = await deltaRound(h.client, round.deltaLink);
    assert.deepEqual(quiet.entries, [], "nothing changed since the last deltaLink");
    assert.equal(quiet.pages.length, 1);
  });

  it("serves the item with a pre-authenticated download URL, and /content as a 302 to one", async () => {
    const doc = h.library.addFile(null, "doc.pdf", Buffer.from("%PDF-1.7 emulated"));
    const item: any = await h.client.api(`/sites/${SITE}/drive/items/${doc}`).get();
    assert.equal(item.name, "doc.pdf");
    assert.equal(item.parentReference.path, "/drive/root:", "a single-item GET carries the parent's path");
    assert.match(item["@microsoft.graph.downloadUrl"], /^https:\/\/127\.0\.0\.1:\d+\/download\//);

    const bytes = Buffer.from(
      await h.client
        .api(`/sites/${SITE}/drive/items/${doc}/content`)
        .responseType("arraybuffer" as never)
        .get(),
    );
    assert.equal(bytes.toString(), "%PDF-1.7 emulated");
    assert.equal(h.emulator.stats.contentRedirects, 1);
    assert.equal(h.emulator.stats.downloads, 1);
  });

  it("never loses a change made while a round is being paged: it shows in that round or the next", async () => {
    h.library.generate({ files: 12, folders: 3, seed: 11 });
    const mirror = new Mirror();
    const victims = [...h.library.expectedFiles().keys()].slice(0, 3);
    let added = "";
    const full = await deltaRound(h.client, rootDelta, (pagesSoFar) => {
      if (pagesSoFar !== 1) return;
      added = h.library.addFile(null, "added mid-round.txt", Buffer.from("late"));
      h.library.updateFile(victims[0], Buffer.from("changed mid-round"));
      h.library.rename(victims[1], "renamed mid-round.bin");
      h.library.delete(victims[2]);
    });
    mirror.apply(full.entries);
    const next = await deltaRound(h.client, full.deltaLink);
    mirror.apply(next.entries);
    const listedNext = new Set(next.entries.map((item) => item.id));
    for (const id of [added, ...victims])
      assert.ok(listedNext.has(id), `the mid-round change to ${id} is listed by the next round`);
    assert.deepEqual(mirror.files(), pathsAndSizes(h.library.expectedFiles()));
  });

  it("works with the client's own PageIterator, which follows nextLinks and hands back the deltaLink", async () => {
    h.library.generate({ files: 10, folders: 2, seed: 3 });
    const seen: string[] = [];
    const iterator = new PageIterator(h.client, await h.client.api(rootDelta).get(), (item: { id: string }) => {
      seen.push(item.id);
      return true;
    });
    await iterator.iterate();
    assert.ok(iterator.isComplete());
    assert.ok(seen.length >= 13, `root, 2 folders and 10 files (plus repeats), got ${seen.length}`);
    assert.deepEqual(new Set(seen), new Set([...h.library.allNodes()].map((node) => node.id)));
    assert.match(String(iterator.getDeltaLink()), /\/drive\/root\/delta\?token=/);
  });

  it("treats $top as a hint capped at 1000 and keeps the page size inside the links", async () => {
    h.library.generate({ files: 1100, seed: 2, maxSize: 16 });
    const big = await deltaRound(h.client, `${rootDelta}?$top=5000`);
    assert.deepEqual(big.pages.map((p) => p.value.length).slice(0, 1), [1000]);
    const small = await h.client.api(`${rootDelta}?$top=4`).get();
    assert.equal(small.value.length, 4);
    const second = await h.client.api(small["@odata.nextLink"]).get();
    assert.equal(second.value.length, 4, "query options travel inside the nextLink");
  });

  it("answers token=latest with no items and a deltaLink that lists only later changes", async () => {
    h.library.addFile(null, "before.txt", Buffer.from("x"));
    const latest = await h.client.api(`${rootDelta}?token=latest`).get();
    assert.deepEqual(latest.value, []);
    const after = h.library.addFile(null, "after.txt", Buffer.from("y"));
    const round = await deltaRound(h.client, latest["@odata.deltaLink"]);
    const ids = new Set(round.entries.map((item) => item.id));
    assert.ok(ids.has(after));
    assert.equal(
      round.entries.find((item) => item.name === "before.txt"),
      undefined,
    );
  });
});

describe("Graph emulator: OneDrive personal item shapes (shape: oneDrivePersonal)", () => {
  const h = useEmulator({ shape: "oneDrivePersonal" });

  it("sends cTag, which a rename leaves alone and an update changes, and sha256Hash beside quickXorHash", async () => {
    const folder = h.library.addFolder(null, "Alpha");
    const spec = h.library.addFile(folder, "spec.docx", Buffer.from("v1"));
    const full = await deltaRound(h.client, ROOT_DELTA);
    const before = lastOccurrence(full.entries);
    assert.match(before.get(spec)!.cTag, /^"c:\{[0-9A-F-]{36}\},1"$/);
    assert.deepEqual(Object.keys(before.get(spec)!.file.hashes).sort(), ["quickXorHash", "sha256Hash"]);
    h.library.rename(folder, "Alpha (archived)");
    h.library.updateFile(spec, Buffer.from("version two"));
    const items = lastOccurrence((await deltaRound(h.client, full.deltaLink)).entries);
    assert.equal(items.get(folder)!.cTag, before.get(folder)!.cTag, "a rename does not change the cTag");
    assert.notEqual(items.get(spec)!.cTag, before.get(spec)!.cTag, "an update does");
  });
});
