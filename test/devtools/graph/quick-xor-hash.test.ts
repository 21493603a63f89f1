// QuickXorHash is what SharePoint puts in file.hashes; the emulator's implementation must match
// Microsoft's algorithm byte for byte, also when fed in arbitrary pieces.
import { strict as assert } from "node:assert";
import { QuickXorHash } from "../../../devtools/graph/quick-xor-hash";
import { SITE, getOnce, useEmulator } from "../../../devtools/graph/harness/client-harness";

// Input and expected digest (both base64), from rclone's test vectors for its OneDrive backend
// (backend/onedrive/quickxorhash/quickxorhash_test.go): 0, 1, 9, 20, 64 and 256 bytes, the last
// three wrapping the 160-bit register, the last one long enough for a whole 160-byte row.
const VECTORS: Array<[string, string]> = [
  ["", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ["Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="],
  ["n6Neh7p6fFgm", "nxiFFw6hCz3wAQsmCQAAAAAAAAA="],
  ["T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="],
  [
    "Mb7EGva2rEE5fENDL85P+BsapHEEjv2/siVhKjvAQe02feExVOQSkfmuYzU/kTF1MaKjPmKF/w+cbvwfdWL8aQ==",
    "n1anP5NfvD4XDYWIeRPW3ZkPv1Y=",
  ],
  [
    "qwGf2ESubE5jOUHHyc94ORczFYYbc2OmEzo+hBIyzJiNwAzC8PvJqtTzwkWkSslgHFGWQZR2BV5+uYTrYT7HVwRM40vqfj0dBgeDENyTenIOL1LHkjtDKoXEnQ0mXAHoJ8PjbNC93zi5TovVRXTNzfGE" +
      "s5dpWVqxUzb5lc7dwkyvOluBw482mQ4xrzYyIY1t+//OrNi1ObGXuUw2jBQOFfJVj2Y6BOyYmfB1y36eBxi3zxeG5d5NYjm2GSh6e08QMAwu3zrINcqIzLOuNIiGXBtl7DjKt7b5wqi4oFiRpZsCyx2s" +
      "mhSrdrtK/CkdU6nDN+34vSR/M8rZpWQdBE7a8g==",
    "WYT9JY3JIo/pEBp+tIM6Gt2nyTM=",
  ],
];

/** The bytes at a chosen offset inside a fresh buffer: 0 takes the 32-bit fast path, 1 cannot. */
function placedAt(bytes: Buffer, offset: number): Uint8Array {
  const backing = new Uint8Array(bytes.length + 8);
  backing.set(bytes, offset);
  return backing.subarray(offset, offset + bytes.length);
}

describe("Graph emulator: QuickXorHash", () => {
  it("matches the published test vectors, whole and in pieces", () => {
    for (const [input, expected] of VECTORS) {
      const bytes = Buffer.from(input, "base64");
      for (const offset of [0, 1, 2]) {
        const placed = placedAt(bytes, offset);
        assert.equal(new QuickXorHash().update(placed).digest(), expected, `${bytes.length} bytes at offset ${offset}`);
        for (const piece of [1, 3, 7, 16, 161, 200]) {
          const hash = new QuickXorHash();
          for (let at = 0; at < placed.length; at += piece) hash.update(placed.subarray(at, at + piece));
          assert.equal(hash.digest(), expected, `${bytes.length} bytes at offset ${offset} in pieces of ${piece}`);
        }
      }
    }
  });

  describe("in file.hashes", () => {
    const h = useEmulator({ fileHashes: ["quickXorHash"] });

    it("shows only quickXorHash when asked to behave exactly like SharePoint", async () => {
      const id = h.library.addFile(null, "vector.bin", Buffer.from(VECTORS[5][0], "base64"));
      const item = await getOnce(h.client, `/sites/${SITE}/drive/items/${id}`);
      assert.deepEqual(item.file.hashes, { quickXorHash: VECTORS[5][1] });
      assert.equal(
        h.library.expectedFiles().get(id)!.size,
        256,
        "expectedFiles still carries sha256 for mirrors to compare",
      );
    });
  });
});
