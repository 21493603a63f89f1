// QuickXorHash is what SharePoint puts in file.hashes; the emulator's implementation must match
// Microsoft's algorithm byte for byte, also when fed in arbitrary pieces.
import { strict as assert } from "node:assert";
import { QuickXorHash } from "../doubles/graph/quick-xor-hash";
import { SITE, getOnce, useEmulator } from "./client-harness";

// Input and expected digest (both base64), from rclone's test vectors for its OneDrive backend
// (backend/onedrive/quickxorhash/quickxorhash_test.go): 0, 1, 9, 20 and 64 bytes, the last two
// wrapping the 160-bit register.
const VECTORS: Array<[string, string]> = [
  ["", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ["Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="],
  ["n6Neh7p6fFgm", "nxiFFw6hCz3wAQsmCQAAAAAAAAA="],
  ["T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="],
  ["Mb7EGva2rEE5fENDL85P+BsapHEEjv2/siVhKjvAQe02feExVOQSkfmuYzU/kTF1MaKjPmKF/w+cbvwfdWL8aQ==", "n1anP5NfvD4XDYWIeRPW3ZkPv1Y="],
];

describe("Graph emulator: QuickXorHash", () => {
  it("matches the published test vectors, whole and in pieces", () => {
    for (const [input, expected] of VECTORS) {
      const bytes = Buffer.from(input, "base64");
      assert.equal(new QuickXorHash().update(bytes).digest(), expected, `${bytes.length} bytes`);
      for (const piece of [1, 3, 7, 16]) {
        const hash = new QuickXorHash();
        for (let at = 0; at < bytes.length; at += piece) hash.update(bytes.subarray(at, at + piece));
        assert.equal(hash.digest(), expected, `${bytes.length} bytes in pieces of ${piece}`);
      }
    }
  });

  describe("in file.hashes", () => {
    const h = useEmulator({ fileHashes: ["quickXorHash"] });

    it("shows only quickXorHash when asked to behave exactly like SharePoint", async () => {
      const id = h.library.addFile(null, "vector.bin", Buffer.from(VECTORS[4][0], "base64"));
      const item = await getOnce(h.client, `/sites/${SITE}/drive/items/${id}`);
      assert.deepEqual(item.file.hashes, { quickXorHash: VECTORS[4][1] });
      assert.equal(h.library.expectedFiles().get(id)!.size, 64, "expectedFiles still carries sha256 for mirrors to compare");
    });
  });
});
