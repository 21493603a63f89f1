// Bearer-token validation for the Graph emulator's `authorise` hook, as a resource server does it:
// with PUBLIC keys only (the token endpoint's JWKS, fetched again when a token names an unknown
// kid, so a key rotation is absorbed), checking issuer, audience, lifetime, an algorithm
// allow-list, and that the token carries a permission that can read the library.
// Refusals use Graph's error shape: 401 InvalidAuthenticationToken, 403 accessDenied.
import { request } from "node:https";
import type { IncomingMessage } from "node:http";
import { graphErrorBody } from "../graph/errors";
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type FetchImplementation,
  type JWTPayload,
} from "jose";

export interface GraphBearerOptions {
  /** The Entra issuer (`https://<authority>/<tenant>/v2.0`). */
  issuer: string;
  /** The token endpoint's JWKS URI. */
  jwksUri: string;
  /** PEM of the CA that signed the JWKS endpoint's certificate (the emulator's own CA). */
  caPem?: string;
  /** Default https://graph.microsoft.com (Graph also accepts its app ID). */
  audiences?: string[];
  /** Default ["RS256"]: anything else, "none" included, is refused. */
  algorithms?: string[];
  /** Application permissions (roles) that can read a document library; one is enough. */
  acceptedRoles?: string[];
  /** Delegated permissions (scp) that can read a document library; one is enough. */
  acceptedScopes?: string[];
}

export type AuthoriseHook = (req: IncomingMessage) => Promise<{ status: number; body: unknown } | undefined>;

export const GRAPH_AUDIENCES = ["https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"];
export const LIBRARY_READ_ROLES = [
  "Sites.Selected",
  "Sites.FullControl.All",
  "Sites.Read.All",
  "Sites.ReadWrite.All",
  "Files.Read.All",
  "Files.ReadWrite.All",
];
export const LIBRARY_READ_SCOPES = [
  "Sites.Read.All",
  "Sites.ReadWrite.All",
  "Sites.FullControl.All",
  "Files.Read.All",
  "Files.ReadWrite.All",
];

export interface GraphBearerStats {
  accepted: number;
  /** Accepted requests by the kid of the key that signed their token. */
  acceptedByKid: Record<string, number>;
  refused: Record<string, number>;
}

export function graphBearerAuthorise(opts: GraphBearerOptions): AuthoriseHook & { stats: GraphBearerStats } {
  // cooldownDuration 0: a token signed by a key published a moment ago must not wait 30 s for a refetch.
  const keys = createRemoteJWKSet(new URL(opts.jwksUri), {
    cooldownDuration: 0,
    [customFetch]: fetchTrusting(opts.caPem),
  });
  const stats: GraphBearerStats = { accepted: 0, acceptedByKid: {}, refused: {} };
  const acceptedRoles = opts.acceptedRoles ?? LIBRARY_READ_ROLES;
  const acceptedScopes = opts.acceptedScopes ?? LIBRARY_READ_SCOPES;

  const refuse = (status: 401 | 403, code: string, message: string) => {
    stats.refused[message] = (stats.refused[message] ?? 0) + 1;
    return { status, body: graphErrorBody(code, message) };
  };

  const hook = async (req: IncomingMessage) => {
    const header = req.headers.authorization ?? "";
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (!token) return refuse(401, "InvalidAuthenticationToken", "Access token is empty.");
    let claims: JWTPayload;
    let kid: string | undefined;
    try {
      ({
        payload: claims,
        protectedHeader: { kid },
      } = await jwtVerify(token, keys, {
        issuer: opts.issuer,
        audience: opts.audiences ?? GRAPH_AUDIENCES,
        algorithms: opts.algorithms ?? ["RS256"],
        requiredClaims: ["exp", "iat"],
      }));
    } catch (err) {
      return refuse(401, "InvalidAuthenticationToken", describe(err));
    }
    const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
    const scopes = typeof claims.scp === "string" ? claims.scp.split(" ") : [];
    if (roles.length === 0 && scopes.length === 0) {
      return refuse(401, "InvalidAuthenticationToken", "Either scp or roles claim need to be present in the token.");
    }
    if (!roles.some((r) => acceptedRoles.includes(r)) && !scopes.some((s) => acceptedScopes.includes(s))) {
      return refuse(403, "accessDenied", "Access denied");
    }
    stats.accepted++;
    stats.acceptedByKid[kid ?? ""] = (stats.acceptedByKid[kid ?? ""] ?? 0) + 1;
    return undefined;
  };
  return Object.assign(hook, { stats });
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "Lifetime validation failed, the token is expired.";
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "aud") return "Invalid audience.";
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "iss") return "Invalid issuer.";
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "nbf")
    return "Lifetime validation failed, the token is not yet valid.";
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return "Access token validation failure. The signing algorithm is not allowed.";
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid)
    return "IDX14100: JWT is not well formed.";
  return "Access token validation failure. Signature validation failed.";
}

/** fetch for the JWKS endpoint that trusts the emulator's CA, without touching the process's trust store. */
function fetchTrusting(caPem: string | undefined): FetchImplementation {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        { method: "GET", ca: caPem, signal: options.signal, headers: Object.fromEntries(options.headers) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve(
              new Response(Buffer.concat(chunks), {
                status: res.statusCode ?? 500,
                headers: { "content-type": String(res.headers["content-type"] ?? "") },
              }),
            ),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
}
