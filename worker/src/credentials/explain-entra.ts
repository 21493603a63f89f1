// Turns Entra's AADSTS refusals of the federated sign-in into what to fix in the stack.
// The codes are Entra's own (see docs/credential-chain.md for each one).
import { GraphCredentialError } from "./errors";
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE, type AssertionClaims } from "./web-identity-assertion";

export interface FederationContext {
  tenantId: string;
  clientId: string;
  /** Claims of the web identity token Entra was shown, when one was minted. */
  assertion?: AssertionClaims;
}

export function explainEntraFailure(err: unknown, ctx: FederationContext): GraphCredentialError {
  if (err instanceof GraphCredentialError) return err;
  const text = String((err as Error)?.message ?? err);
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  const quoted = /'([^']*)'/.exec(text.slice(text.indexOf(`AADSTS${code}`)))?.[1];
  const a = ctx.assertion;
  const app = `app registration ${ctx.clientId}`;
  const expected = a
    ? ` The task presents issuer ${a.iss}, subject ${a.sub}, audience ${[a.aud].flat().join(", ")}.`
    : "";
  const why: Record<string, [GraphCredentialError["failure"], string]> = {
    "700213": [
      "federated-credential",
      `No federated credential on ${app} has subject '${quoted ?? a?.sub}'. Set its subject to exactly the task role ARN ${a?.sub ?? "(the task role ARN)"} (case-sensitive) in the stack, or run the task with the role the credential names.`,
    ],
    "700212": [
      "federated-credential",
      `No federated credential on ${app} accepts audience '${quoted ?? a?.aud}'. Its audiences must be [${ENTRA_TOKEN_EXCHANGE_AUDIENCE}], the audience the worker requests from STS.`,
    ],
    "700211": [
      "federated-credential",
      `No federated credential on ${app} trusts issuer '${quoted ?? a?.iss}'. Set its issuer to the AWS account's outbound federation issuer (issuerIdentifier of aws.iam.OutboundWebIdentityFederation)${a ? `: ${a.iss}` : ""}.`,
    ],
    "70021": [
      "federated-credential",
      `No federated credential on ${app} matches the web identity token (issuer, subject and audience must all match exactly).${expected}`,
    ],
    "700024": [
      "web-identity-token",
      `Entra found the web identity token outside its valid time range (expired or not yet valid). Check the clocks of the task host (NTP); the worker refreshes the token a minute before it expires.`,
    ],
    "700027": [
      "web-identity-token",
      `Entra could not verify the web identity token's signature with the keys ${a ? a.iss : "the issuer"} publishes. The token was altered, or the federated credential's issuer is not the account that signed it.`,
    ],
    "50027": [
      "web-identity-token",
      "Entra could not parse the client assertion as a JWT: the token from STS was altered in transit.",
    ],
    "50166": [
      "federated-credential",
      `Entra could not fetch the issuer's OpenID configuration or keys${a ? ` (${a.iss}/.well-known/openid-configuration)` : ""}: the federated credential's issuer must be the account's outbound federation issuer, reachable from Entra.`,
    ],
    "700016": [
      "app-registration",
      `Entra has no ${app} in tenant ${ctx.tenantId}: check AZURE_CLIENT_ID and AZURE_TENANT_ID against the stack outputs.`,
    ],
    "90002": [
      "app-registration",
      `Tenant ${ctx.tenantId} does not exist at this authority: check AZURE_TENANT_ID and AZURE_AUTHORITY_HOST.`,
    ],
    "7000215": [
      "static-credential",
      `A client secret was sent for ${app}; this stack's apps hold no secret. Remove AZURE_CLIENT_SECRET.`,
    ],
    "1002012": [
      "configuration",
      "The token request asked for a scope Entra refuses for client credentials; the worker asks for https://graph.microsoft.com/.default.",
    ],
  };
  const [failure, message] = (code && why[code]) || [
    "unknown",
    `Entra refused the federated sign-in for ${app}.${expected}`,
  ];
  return new GraphCredentialError(
    failure,
    `${message} (Entra said: ${firstLine(text)})`,
    code ? `AADSTS${code}` : undefined,
    { cause: err },
  );
}

function firstLine(text: string): string {
  const at = text.indexOf("AADSTS");
  return (at >= 0 ? text.slice(at) : text).split(/\r?\n|\\r\\n/)[0].trim();
}
