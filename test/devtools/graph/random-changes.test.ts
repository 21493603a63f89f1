// The emulator's central promise, under seeded random edits between and during rounds, over plain
// HTTP (the mode the worker uses): a mirror built only from delta rounds equals expectedFiles()
// after every round that ran without concurrent edits, and no edit is ever lost.
import { strict as assert } from "node:assert";
import { GraphEmulator, type Library } from "../../../devtools/graph";
import { type Random, randomInt, seededRandom } from "../../../devtools/graph/random";
import { SITE } from "../../../devtools/graph/harness/client-harness";
import { type DeltaEntry, Mirror, pathsAndSizes } from "../../../devtools/graph/harness/mirror";

function pick<T>(random: Random, items: T[]): T | undefined {
  return items.length === 0 ? undefined : items[randomInt(random, 0, items.length - 1)];
}

let edits = 0;

/** One random edit: add, update, rename, move or delete, on files and folders alike. */
function randomEdit(library: Library, random: Random): void {
  const live = [...library.allNodes()].filter((node) => node.deletedAt === undefined && node.kind !== "root");
  const folders = [null, ...live.filter((node) => node.kind === "folder").map((node) => node.id)];
  const files = live.filter((node) => node.kind === "file").map((node) => node.id);
  const name = `edit ${++edits}`;
  const roll = random();
  if (roll < 0.25) library.addFile(pick(random, folders)!, `${name}.txt`, Buffer.from(name));
  else if (roll < 0.35) library.addFolder(pick(random, folders)!, name);
  else if (roll < 0.5 && files.length)
    library.updateFile(pick(random, files)!, { size: randomInt(random, 0, 300), seed: edits });
  else if (roll < 0.65 && live.length) library.rename(pick(random, live)!.id, name);
  else if (roll < 0.8 && live.length) {
    try {
      library.move(pick(random, live)!.id, pick(random, folders)!);
    } catch (err) {
      // A folder cannot move below itself; any other refusal is a bug.
      if (!/into itself or one of its descendants|already holds/.test((err as Error).message)) throw err;
    }
  } else if (live.length)
    library.delete(pick(random, random() < 0.8 && files.length ? live.filter((n) => n.kind === "file") : live)!.id);
}

describe("Graph emulator: random edits between and during rounds (plain HTTP)", () => {
  let emulator: GraphEmulator;
  beforeEach(async () => {
    emulator = await GraphEmulator.start({ pageSize: 7, seed: 3 });
  });
  afterEach(() => emulator.close());

  it("keeps a delta-built mirror equal to expectedFiles, round after round", async () => {
    const library = emulator.site(SITE);
    library.generate({ files: 40, folders: 8, seed: 9, maxSize: 200 });
    const random = seededRandom(42);
    const mirror = new Mirror();
    let link = `${emulator.baseUrl}/sites/${SITE}/drive/root/delta`;
    let quietRoundsChecked = 0;
    for (let round = 0; round < 30; round++) {
      for (let i = randomInt(random, 0, 6); i > 0; i--) randomEdit(library, random);
      let editedMidRound = false;
      for (;;) {
        const response = await fetch(link);
        assert.equal(response.status, 200);
        const page = (await response.json()) as {
          value: DeltaEntry[];
          "@odata.nextLink"?: string;
          "@odata.deltaLink"?: string;
        };
        assert.ok(
          page["@odata.nextLink"]?.startsWith("http://127.0.0.1:") ||
            page["@odata.deltaLink"]?.startsWith("http://127.0.0.1:"),
        );
        mirror.apply(page.value);
        if (page["@odata.deltaLink"]) {
          link = page["@odata.deltaLink"];
          break;
        }
        link = page["@odata.nextLink"]!;
        if (random() < 0.3) {
          randomEdit(library, random);
          editedMidRound = true;
        }
      }
      if (!editedMidRound) {
        assert.deepEqual(mirror.files(), pathsAndSizes(library.expectedFiles()), `round ${round}`);
        quietRoundsChecked++;
      }
    }
    // One more round with no edits settles everything edited during the last round.
    for (;;) {
      const page = (await (await fetch(link)).json()) as { value: DeltaEntry[]; "@odata.nextLink"?: string };
      mirror.apply(page.value);
      if (!page["@odata.nextLink"]) break;
      link = page["@odata.nextLink"];
    }
    assert.deepEqual(mirror.files(), pathsAndSizes(library.expectedFiles()));
    assert.ok(quietRoundsChecked >= 5, `checked ${quietRoundsChecked} quiet rounds`);
    assert.ok(edits > 60, `made ${edits} edits`);
  });

  it("answers the same nextLink with the same page when a client fetches it again after a crash", async () => {
    emulator.site(SITE).generate({ files: 20, seed: 1 });
    const first = (await (await fetch(`${emulator.baseUrl}/sites/${SITE}/drive/root/delta`)).json()) as {
      "@odata.nextLink": string;
    };
    emulator.site(SITE).addFile(null, "meanwhile.txt", Buffer.from("m"));
    const fetchPage = async () =>
      (await (await fetch(first["@odata.nextLink"])).json()) as { value: DeltaEntry[]; "@odata.nextLink"?: string };
    const [once, twice] = [await fetchPage(), await fetchPage()];
    assert.ok(once.value.length > 0);
    assert.deepEqual(twice.value, once.value, "the page is the round's, not the library's current state");
    assert.ok(once["@odata.nextLink"] && twice["@odata.nextLink"], "both answers continue the round");
  });
});
