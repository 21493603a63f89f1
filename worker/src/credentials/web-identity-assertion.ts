// The client assertion for Entra: a web identity token for the task role, minted by the REGIONAL
// STS endpoint (GetWebIdentityToken is not served by the global one). It is cached until shortly
// before it expires, and concurrent callers share one request, so a busy worker asks STS about
// once per token lifetime rather than once per Graph token.
import { GetWebIdentityTokenCommand, STSClient, STSServiceException, type STSClientConfig } from "@aws-sdk/client-sts";
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE, WEB_IDENTITY_TOKEN } from "../contract";
import { GraphCredentialError } from "./errors";

export { ENTRA_TOKEN_EXCHANGE_AUDIENCE };
export const ASSERTION_ALGORITHM = WEB_IDENTITY_TOKEN.algorithm;
export const ASSERTION_LIFETIME_SECONDS = WEB_IDENTITY_TOKEN.lifetimeSeconds;
/** Connection and request (socket idle) timeouts of the STS client. */
const STS_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 };
/** Ask for a new token when less than this is left: Entra must still find it valid on arrival. */
const REFRESH_MARGIN_MS = 60_000;

export interface AssertionClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
}

export class WebIdentityAssertion {
  private cached?: { token: string; claims: AssertionClaims; refreshAt: number };
  private inFlight?: Promise<string>;
  private readonly sts: STSClient;
  /** How many tokens STS has minted for this process (for logs and tests). */
  minted = 0;

  /** `stsConfig` overrides the client's settings (e.g. its credentials provider); the worker passes none. */
  constructor(region: string, env: Readonly<Record<string, string | undefined>>, stsConfig: STSClientConfig = {}) {
    if (!region)
      throw new GraphCredentialError(
        "configuration",
        "AWS_REGION is required in AWS: GetWebIdentityToken is served only by regional STS endpoints",
      );
    // AWS_ENDPOINT_URL_STS (a local emulator, a VPC endpoint) wins; otherwise name the regional
    // endpoint explicitly rather than trusting a default that has been global in some SDK versions.
    const endpoint = env.AWS_ENDPOINT_URL_STS ?? `https://sts.${region}.amazonaws.com`;
    // Timeouts as on every other AWS call of the worker: an unreachable STS fails the token request.
    this.sts = new STSClient({ region, endpoint, requestHandler: STS_TIMEOUTS, ...stsConfig });
  }

  /** The claims of the last token, so that failures can name the issuer and subject Entra saw. */
  get lastClaims(): AssertionClaims | undefined {
    return this.cached?.claims;
  }

  get = (): Promise<string> => {
    if (this.cached && Date.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.inFlight ??= this.mint().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  };

  destroy(): void {
    this.sts.destroy();
  }

  private async mint(): Promise<string> {
    let out;
    try {
      out = await this.sts.send(
        new GetWebIdentityTokenCommand({
          Audience: [ENTRA_TOKEN_EXCHANGE_AUDIENCE],
          SigningAlgorithm: ASSERTION_ALGORITHM,
          DurationSeconds: ASSERTION_LIFETIME_SECONDS,
        }),
      );
    } catch (err) {
      throw explainStsFailure(err);
    }
    const token = out.WebIdentityToken;
    if (!token)
      throw new GraphCredentialError("web-identity-token", "STS answered GetWebIdentityToken without a token");
    const claims = decodeClaims(token);
    const expiresAt = out.Expiration?.getTime() ?? claims.exp * 1000;
    this.cached = { token, claims, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, (expiresAt - Date.now()) / 2) };
    this.minted++;
    return token;
  }
}

/** Reads our OWN assertion's claims (no verification needed: we only quote them in error messages). */
function decodeClaims(token: string): AssertionClaims {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as AssertionClaims;
  } catch {
    throw new GraphCredentialError("web-identity-token", "STS returned a web identity token that is not a JWT");
  }
}

function explainStsFailure(err: unknown): GraphCredentialError {
  const name = (err as { name?: string }).name ?? "Error";
  const detail = (err as Error).message;
  const fix: Record<string, string> = {
    OutboundWebIdentityFederationDisabledException:
      "Outbound identity federation is off for this AWS account: enable it (aws.iam.OutboundWebIdentityFederation in the stack) so that STS can mint web identity tokens.",
    AccessDenied: `The task role may not call sts:GetWebIdentityToken: allow it in the task role policy, conditioned on sts:IdentityTokenAudience = ${ENTRA_TOKEN_EXCHANGE_AUDIENCE}, sts:SigningAlgorithm = ${ASSERTION_ALGORITHM} and sts:DurationSeconds <= ${ASSERTION_LIFETIME_SECONDS}.`,
    InvalidClientTokenId:
      "STS does not recognise the AWS credentials the worker holds: they must come from the task role (container credentials), not from copied keys.",
    ExpiredToken:
      "The task role's session has expired: the SDK should refresh it from the container-credentials endpoint; check that the endpoint is reachable.",
    SessionDurationEscalationException:
      "The task role's session ends before the requested token would: the SDK will refresh the session; if this persists, check the container-credentials endpoint.",
    CredentialsProviderError:
      "No AWS credentials were found: in ECS give the task a task role; on a laptop run `aws sso login` (or unset AWS_CONTAINER_CREDENTIALS_* to use the developer path).",
  };
  const message =
    fix[name] ?? `GetWebIdentityToken failed (${name}); check the task role and the regional STS endpoint.`;
  return new GraphCredentialError(
    name === "CredentialsProviderError" ? "aws-credentials" : "web-identity-token",
    `${message} (STS said: ${detail})`,
    err instanceof STSServiceException || name === "CredentialsProviderError" ? name : undefined,
    { cause: err },
  );
}
