// The emulated library itself: deterministic generation, moves and cascading deletes as a mirror
// must see them, hashes for big generated files, and clear errors for every misuse.
import { strict as assert } from "node:assert";
import { GraphEmulator } from "../../../devtools/graph";
import { digestOf } from "../../../devtools/graph/content";
import {
  ROOT_DELTA,
  SITE,
  deltaRound,
  getOnce,
  lastOccurrence,
  useEmulator,
} from "../../../devtools/graph/harness/client-harness";

describe("Graph emulator: library model", () => {
  const h = useEmulator();

  it("generates the same library for the same seed, and a different one for another seed", async () => {
    const twin = await GraphEmulator.start({ seed: 7 });
    const other = await GraphEmulator.start({ seed: 8 });
    try {
      const spec = { files: 40, folders: 6, seed: 5, minSize: 10, maxSize: 5000 };
      h.library.generate(spec);
      twin.site(SITE).generate(spec);
      other.site(SITE).generate(spec);
      const files = h.library.expectedFiles();
      assert.equal(files.size, 40);
      assert.deepEqual(twin.site(SITE).expectedFiles(), files);
      assert.notDeepEqual(
        [...other.site(SITE).expectedFiles().keys()],
        [...files.keys()],
        "the emulator seed changes the ids",
      );
      assert.ok([...files.values()].every((file) => file.size >= 10 && file.size <= 5000));
      const folders = new Set([...files.values()].map((file) => file.path.split("/").slice(0, -1).join("/")));
      assert.ok(folders.size > 1, "files are spread over folders");
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it("moves items (new path, listed with their new parent) and deletes folders with everything below them", async () => {
    const a = h.library.addFolder(null, "A");
    const b = h.library.addFolder(a, "B");
    const deep = h.library.addFile(b, "deep.txt", Buffer.from("deep"));
    const loose = h.library.addFile(null, "loose.txt", Buffer.from("loose"));
    const first = await deltaRound(h.client, ROOT_DELTA);

    h.library.move(loose, b);
    assert.equal(h.library.expectedFiles().get(loose)!.path, "A/B/loose.txt");
    const moved = lastOccurrence((await deltaRound(h.client, first.deltaLink)).entries);
    assert.equal(moved.get(loose)!.parentReference.id, b);

    const second = await deltaRound(h.client, first.deltaLink);
    h.library.delete(a);
    assert.deepEqual([...h.library.expectedFiles().keys()], []);
    const deletions = lastOccurrence((await deltaRound(h.client, second.deltaLink)).entries);
    for (const id of [a, b, deep, loose])
      assert.deepEqual(deletions.get(id)?.deleted, { state: "deleted" }, `${id} is reported deleted`);
    assert.ok(
      [...deletions.values()].every((item) => item.root || item.deleted),
      "only tombstones (and the root) are listed",
    );
  });

  it("leaves hashes out of big generated files until they are known, as Graph omits hashes it lacks", async () => {
    const big = h.library.addFile(null, "big.iso", { size: 17 * 1024 * 1024, seed: 123_456 });
    const before = await getOnce(h.client, `/sites/${SITE}/drive/items/${big}`);
    assert.deepEqual(before.file.hashes, {});
    // Once something has computed it (here the test, as a first download would), Graph shows it.
    const quickXorHash = digestOf({ size: 17 * 1024 * 1024, seed: 123_456 }, "quickXorHash");
    const after = await getOnce(h.client, `/sites/${SITE}/drive/items/${big}`);
    assert.deepEqual(after.file.hashes, { quickXorHash });
    assert.equal(after.size, 17 * 1024 * 1024);
  });

  it("explains every misuse of the library", () => {
    const folder = h.library.addFolder(null, "Docs");
    const file = h.library.addFile(folder, "a.txt", Buffer.from("a"));
    const cases: Array<[() => unknown, RegExp]> = [
      [() => h.library.addFile("01NOSUCHITEM", "x.txt", Buffer.from("x")), /no item with id 01NOSUCHITEM/],
      [() => h.library.addFile(file, "x.txt", Buffer.from("x")), /is a file, not a folder/],
      [
        () => h.library.addFile(folder, "A.TXT", Buffer.from("x")),
        /already holds an item named "A.TXT".*ignoring case/,
      ],
      [() => h.library.addFolder(null, "bad:name"), /not a valid SharePoint name/],
      [() => h.library.addFile(null, "neg.bin", { size: -1, seed: 1 }), /size must be a non-negative integer/],
      [() => h.library.updateFile(folder, Buffer.from("x")), /is a folder, not a file/],
      [() => h.library.rename(h.library.addFolder(folder, "Sub"), "a.txt"), /already holds/],
      [() => h.library.move(folder, h.library.addFolder(folder, "Inner")), /into itself or one of its descendants/],
      [() => h.library.generate({ files: 1, minSize: 10, maxSize: 5 }), /minSize \(10\) is larger than maxSize \(5\)/],
      [() => h.library.generate({ files: -3 }), /files must be a non-negative integer/],
      [() => h.emulator.site("a/b"), /site id is a non-empty string without "\/"/],
      [() => h.emulator.faults.throttle(-1), /count must be a non-negative integer/],
      [() => h.emulator.faults.failNext(1, 200), /HTTP error status/],
      [() => h.emulator.faults.goneOnDeltaLink("bogus" as never), /code must be one of resyncRequired/],
      [() => h.emulator.faults.failDownloads(1, 404 as never), /401, 403 or 500/],
    ];
    for (const [misuse, message] of cases) assert.throws(misuse, message);
    h.library.delete(file);
    assert.throws(() => h.library.updateFile(file, Buffer.from("x")), /was deleted/);
    assert.throws(() => h.library.delete(h.library.get("root")!.id), /root folder cannot be changed/);
  });
});
