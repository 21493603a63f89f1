// Validates a workload-identity-federation client assertion the way Entra does: find the app's
// federated credentials for the token's issuer, verify the signature with the keys the issuer
// publishes (OpenID discovery, then JWKS), check the time range, then match audience and subject
// exactly and case-sensitively.
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { aadsts } from "./errors";

export interface FederatedCredential {
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class FederatedAssertionValidator {
  private readonly keySets = new Map<string, Promise<KeySet>>();

  constructor(private readonly opts: { algorithms: readonly string[]; clockSkewSeconds: number }) {}

  /** Returns the matching federated credential, or throws the EntraError Entra answers with. */
  async validate(
    assertion: string,
    credentials: readonly FederatedCredential[],
    now: Date,
  ): Promise<{ credential: FederatedCredential; claims: JWTPayload }> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw aadsts.malformedAssertion();
    }
    const iss = String(unverified.iss ?? "");
    const byIssuer = credentials.filter((c) => c.issuer === iss);
    if (byIssuer.length === 0) throw aadsts.noIssuerMatch(iss);

    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(assertion, await this.keySet(iss), {
        algorithms: [...this.opts.algorithms],
        currentDate: now,
        clockTolerance: this.opts.clockSkewSeconds,
        issuer: iss,
        requiredClaims: ["sub", "aud", "exp"],
      }));
    } catch (err) {
      throw this.translate(err, iss, unverified, now);
    }

    const audiences = Array.isArray(claims.aud) ? claims.aud : [String(claims.aud ?? "")];
    const byAudience = byIssuer.filter((c) => audiences.some((a) => c.audiences.includes(a)));
    if (byAudience.length === 0) throw aadsts.noAudienceMatch(audiences.join(", "));
    const credential = byAudience.find((c) => c.subject === claims.sub);
    if (!credential) throw aadsts.noSubjectMatch(String(claims.sub ?? ""));
    return { credential, claims };
  }

  private translate(err: unknown, iss: string, unverified: JWTPayload, now: Date): Error {
    if (
      err instanceof joseErrors.JWTExpired ||
      (err instanceof joseErrors.JWTClaimValidationFailed && (err.claim === "nbf" || err.claim === "iat"))
    ) {
      const nbf = new Date(Number(unverified.nbf ?? unverified.iat ?? 0) * 1000);
      return aadsts.outsideTimeRange(now, nbf, new Date(Number(unverified.exp ?? 0) * 1000));
    }
    // The issuer's discovery document or JWKS could not be fetched or read.
    if (
      err instanceof DiscoveryFailed ||
      err instanceof joseErrors.JWKSTimeout ||
      err instanceof joseErrors.JWKSInvalid ||
      err instanceof TypeError
    ) {
      return aadsts.externalOidcFailed(iss);
    }
    const missingClaim = err instanceof joseErrors.JWTClaimValidationFailed && err.reason === "missing";
    if (missingClaim || err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid)
      return aadsts.malformedAssertion();
    return aadsts.badSignature();
  }

  /** The issuer's keys, found through its discovery document (fetched once per issuer, as Entra caches). */
  private keySet(issuer: string): Promise<KeySet> {
    let set = this.keySets.get(issuer);
    if (!set) {
      set = discoverJwksUri(issuer).then((uri) => createRemoteJWKSet(new URL(uri), { cooldownDuration: 0 }));
      set.catch(() => this.keySets.delete(issuer));
      this.keySets.set(issuer, set);
    }
    return set;
  }
}

class DiscoveryFailed extends Error {}

async function discoverJwksUri(issuer: string): Promise<string> {
  try {
    const res = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
    if (doc.issuer !== issuer || !doc.jwks_uri)
      throw new Error("discovery document does not name this issuer and a jwks_uri");
    return doc.jwks_uri;
  } catch (err) {
    throw new DiscoveryFailed(String(err));
  }
}
