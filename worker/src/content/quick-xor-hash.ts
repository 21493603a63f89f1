// QuickXorHash, the content hash OneDrive for Business and SharePoint put in file.hashes (they send
// no SHA-256): a 160-bit register into which byte k is XORed at bit offset 11*k (mod 160), then the
// 64-bit little-endian length XORed into its last 8 bytes, base64-encoded.
// Byte k and byte k+160 land on the same offset (11*160 is a multiple of 160), so update() only
// XOR-folds the input into 160 bytes and digest() places those 160 bytes once: several times faster
// than placing every byte, and it stays incremental for content hashed chunk by chunk.
const WIDTH_BYTES = 160;

export class QuickXorHash {
  private readonly folded = new Uint8Array(WIDTH_BYTES);
  private readonly foldedWords = new Uint32Array(this.folded.buffer);
  private length = 0;

  update(data: Uint8Array): this {
    const folded = this.folded;
    let position = this.length % WIDTH_BYTES;
    let i = 0;
    // Up to the next 160-byte row boundary, byte by byte...
    for (; i < data.length && position !== 0; i++) {
      folded[position] ^= data[i];
      if (++position === WIDTH_BYTES) position = 0;
    }
    // ...whole rows 32 bits at a time when the bytes are aligned for it (XOR is bitwise, so the
    // word view gives the same result on any endianness)...
    const rows = Math.floor((data.length - i) / WIDTH_BYTES);
    if (rows > 0 && (data.byteOffset + i) % 4 === 0) {
      const words = new Uint32Array(data.buffer, data.byteOffset + i, rows * (WIDTH_BYTES / 4));
      const acc = this.foldedWords;
      for (let w = 0; w < words.length; w += WIDTH_BYTES / 4) {
        for (let k = 0; k < WIDTH_BYTES / 4; k++) acc[k] ^= words[w + k];
      }
      i += rows * WIDTH_BYTES;
    }
    // ...and the rest byte by byte.
    for (; i < data.length; i++) {
      folded[position] ^= data[i];
      if (++position === WIDTH_BYTES) position = 0;
    }
    this.length += data.length;
    return this;
  }

  /** Base64, as Graph shows it. */
  digest(): string {
    const register = Buffer.alloc(20);
    for (let position = 0; position < WIDTH_BYTES; position++) {
      const byte = this.folded[position];
      const offset = (position * 11) % 160;
      const index = offset >> 3;
      const shift = offset & 7;
      register[index] ^= (byte << shift) & 0xff;
      // A byte that straddles two register bytes spills its high bits into the next one (wrapping at 160 bits).
      if (shift !== 0) register[index === 19 ? 0 : index + 1] ^= byte >> (8 - shift);
    }
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(this.length));
    for (let i = 0; i < 8; i++) register[12 + i] ^= length[i];
    return register.toString("base64");
  }
}
