// Entra's token-endpoint errors: an OAuth error, an AADSTS-prefixed description carrying trace and
// correlation IDs and a timestamp, the numeric codes, and an error_uri (shape of the v2.0 endpoint).
import { randomUUID } from "node:crypto";

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export class EntraError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error:
      | "invalid_request"
      | "invalid_client"
      | "unauthorized_client"
      | "invalid_scope"
      | "unsupported_grant_type"
      | "invalid_grant"
      | "invalid_resource",
    readonly code: number,
    message: string,
  ) {
    super(`AADSTS${code}: ${message}`);
  }

  body(now: Date, authorityHost: string): EntraErrorBody {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = now
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
    return {
      error: this.error,
      error_description: `${this.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [this.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${authorityHost}/error?code=${this.code}`,
    };
  }
}

const CASE_NOTE =
  "Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/** The errors this emulator answers with, by the AADSTS code Entra uses for each. */
export const aadsts = {
  missingParameter: (name: string) =>
    new EntraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrant: (grant: string) =>
    new EntraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`),
  tenantNotFound: (tenant: string) =>
    new EntraError(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    ),
  applicationNotFound: (clientId: string, tenant: string) =>
    new EntraError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidSecret: (clientId: string) =>
    new EntraError(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  missingAssertion: () =>
    new EntraError(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  invalidScope: (scope: string) =>
    new EntraError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    new EntraError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}.`,
    ),
  malformedAssertion: () => new EntraError(400, "invalid_request", 50027, "JWT token is invalid or malformed."),
  externalOidcFailed: (issuer: string) =>
    new EntraError(400, "invalid_request", 50166, `Request to External OIDC endpoint failed. Issuer: '${issuer}'.`),
  badSignature: () => new EntraError(401, "invalid_client", 700027, "Client assertion failed signature validation."),
  outsideTimeRange: (now: Date, nbf: Date, exp: Date) =>
    new EntraError(
      400,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${now.toISOString()}, assertion valid from ${nbf.toISOString()}, expiry time of assertion ${exp.toISOString()}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
    ),
  noIssuerMatch: (iss: string) =>
    new EntraError(
      400,
      "invalid_request",
      700211,
      `No matching federated identity record found for presented assertion issuer '${iss}'. ${CASE_NOTE}`,
    ),
  noAudienceMatch: (aud: string) =>
    new EntraError(
      400,
      "invalid_request",
      700212,
      `No matching federated identity record found for presented assertion audience '${aud}'. ${CASE_NOTE}`,
    ),
  noSubjectMatch: (sub: string) =>
    new EntraError(
      400,
      "invalid_request",
      700213,
      `No matching federated identity record found for presented assertion subject '${sub}'. ${CASE_NOTE}`,
    ),
  userNotFound: (upn: string, tenant: string) =>
    new EntraError(
      400,
      "invalid_grant",
      50034,
      `The user account ${upn} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`,
    ),
};
