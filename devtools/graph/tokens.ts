// Opaque link tokens: base64url(JSON state) + "." + base64url(HMAC-SHA256). The key is random per
// emulator, so a client cannot forge or edit a token; a tampered token is refused as Graph refuses
// a malformed one (400 invalidRequest).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export class TokenCodec {
  private readonly key = randomBytes(32);
  private serial = 0;

  /** Serial number of the most recently issued token: faults make every token up to it stale. */
  get lastSerial(): number {
    return this.serial;
  }

  issue<T extends object>(state: T): string {
    const body = Buffer.from(JSON.stringify({ ...state, n: ++this.serial })).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  /** The token's state with its serial `n`, or undefined when the token was not issued by this emulator unchanged. */
  read<T extends object>(token: string): (T & { n: number }) | undefined {
    const [body, mac, extra] = token.split(".");
    if (!body || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as T & { n: number };
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}
