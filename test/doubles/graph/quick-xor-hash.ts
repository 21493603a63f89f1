// QuickXorHash, the content hash OneDrive for Business and SharePoint put in file.hashes (they send
// no SHA-256): a 160-bit register into which byte k is XORed at bit offset 11*k (mod 160), then the
// 64-bit little-endian length XORed into its last 8 bytes, base64-encoded. Incremental, so
// generated content can be hashed chunk by chunk.
export class QuickXorHash {
  private readonly register = new Uint8Array(20);
  private length = 0;
  private bitOffset = 0;

  update(data: Uint8Array): this {
    const register = this.register;
    let offset = this.bitOffset;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      const index = offset >> 3;
      const shift = offset & 7;
      register[index] ^= (byte << shift) & 0xff;
      // A byte that straddles two register bytes spills its high bits into the next one (wrapping at 160 bits).
      if (shift !== 0) register[index === 19 ? 0 : index + 1] ^= byte >> (8 - shift);
      offset += 11;
      if (offset >= 160) offset -= 160;
    }
    this.bitOffset = offset;
    this.length += data.length;
    return this;
  }

  /** Base64, as Graph shows it. */
  digest(): string {
    const out = Buffer.from(this.register);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(this.length));
    for (let i = 0; i < 8; i++) out[12 + i] ^= length[i];
    return out.toString("base64");
  }
}
