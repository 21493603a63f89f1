// Signing keys of a token issuer (the Entra emulator and the STS emulator both issue JWTs).
// Keys are generated at run time and never written to disk; only their public halves leave
// the process, through the issuer's JWKS.
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";

export type SigningAlgorithm = "RS256" | "ES384";

interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export class KeyRing {
  /** Keys still published in the JWKS, newest last. Only the newest of each algorithm signs. */
  private readonly published: SigningKey[] = [];

  private constructor(private readonly algorithms: readonly SigningAlgorithm[]) {}

  static async create(algorithms: readonly SigningAlgorithm[] = ["RS256"]): Promise<KeyRing> {
    const ring = new KeyRing(algorithms);
    for (const alg of algorithms) ring.published.push(await newKey(alg));
    return ring;
  }

  /** Publishes a new key per algorithm and signs with it from now on. Like Entra, the previous key
   *  stays in the JWKS (tokens it signed remain valid until they expire) unless `retirePrevious`
   *  is set, which models an emergency rotation: tokens signed by the old key stop validating. */
  async rotate(opts: { retirePrevious?: boolean } = {}): Promise<string[]> {
    const fresh = await Promise.all(this.algorithms.map(newKey));
    if (opts.retirePrevious) this.published.splice(0, this.published.length);
    this.published.push(...fresh);
    return fresh.map((k) => k.kid);
  }

  currentKid(alg: SigningAlgorithm = this.algorithms[0]): string {
    return this.current(alg).kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.published.map((k) => k.publicJwk) };
  }

  async sign(payload: JWTPayload, opts: { alg?: SigningAlgorithm; typ?: string } = {}): Promise<string> {
    const key = this.current(opts.alg ?? this.algorithms[0]);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: opts.typ ?? "JWT" })
      .sign(key.privateKey);
  }

  private current(alg: SigningAlgorithm): SigningKey {
    const key = [...this.published].reverse().find((k) => k.alg === alg);
    if (!key) throw new Error(`This issuer has no ${alg} signing key (it signs with ${this.algorithms.join(", ")})`);
    return key;
  }
}

async function newKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}
