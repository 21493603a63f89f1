/**
 * How Microsoft Entra matches an external token against a federated identity credential
 * ("Workload identity federation", "Flexible federated identity credentials", Microsoft Learn;
 * MicrosoftDocs/entra-docs docs/workload-id/workload-identities-flexible-federated-identity-credentials.md):
 *
 * - `issuer` must equal the token's `iss`, and one of `audiences` must equal its `aud`;
 * - a fixed credential's `subject` must equal the token's `sub` exactly and case-sensitively;
 * - a flexible credential instead holds `claimsMatchingExpression`: clauses `claims['<name>'] <op> '<comparand>'`
 *   joined with `and`, where `eq` is an exact comparison and `matches` takes `*` (any run) and `?` (one character)
 *   as wildcards. Each issuer supports only some claims: GitHub `sub` and `job_workflow_ref`, GitLab and Terraform
 *   Cloud `sub`. `subject` and `claimsMatchingExpression` exclude each other.
 */
import { wildcardMatch } from "./glob";

export const ENTRA_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface FederatedCredential {
  issuer: string;
  audiences: readonly string[];
  subject?: string;
  /** The expression text, or the Graph/ARM object `{ value, languageVersion }`. */
  claimsMatchingExpression?: string | { value: string; languageVersion?: number };
}

export interface ExternalToken {
  issuer: string;
  subject: string;
  audience: string | readonly string[];
  /** Every other claim of the token, by name. */
  claims?: Readonly<Record<string, string | undefined>>;
}

export interface Clause {
  claim: string;
  operator: "eq" | "matches";
  comparand: string;
}

export interface MatchResult {
  matched: boolean;
  reason: string;
}

/** Claims a flexible credential may test, per issuer (the table "Issuer URLs, supported claims, and operators"). */
export function flexibleClaimsFor(issuer: string): readonly string[] | undefined {
  const url = issuer.replace(/\/+$/, "");
  if (url === "https://token.actions.githubusercontent.com") return ["sub", "job_workflow_ref"];
  if (/^https:\/\/gitlab\.[^/]+$/.test(url)) return ["sub"];
  if (url === "https://app.terraform.io" || url === "https://app.eu.terraform.io") return ["sub"];
  return undefined;
}

const CLAUSE = /^claims\['([A-Za-z0-9_]+)'\] (eq|matches) '([^']*)'$/;

/**
 * Parses an expression into clauses. Returns an error (what to fix) for anything outside the documented grammar: a
 * lookup other than `claims['name']`, an operator other than `eq`/`matches`, a comparand not in single quotes, a
 * boolean operator other than `and`, or a claim the issuer does not support.
 */
export function parseClaimsExpression(
  expression: string,
  issuer?: string,
): { clauses: Clause[]; error?: undefined } | { clauses?: undefined; error: string } {
  const text = expression.trim();
  if (text === "") return { error: "the expression is empty" };
  const parts = text.split(/ and /);
  const clauses: Clause[] = [];
  for (const part of parts) {
    const m = CLAUSE.exec(part.trim());
    if (!m) {
      return {
        error: `"${part.trim()}" is not a clause of the form claims['name'] eq|matches 'value' (clauses are joined with "and")`,
      };
    }
    clauses.push({ claim: m[1], operator: m[2] as Clause["operator"], comparand: m[3] });
  }
  const supported = issuer === undefined ? undefined : flexibleClaimsFor(issuer);
  if (issuer !== undefined && supported === undefined) {
    return {
      error: `Entra supports flexible credentials only for GitHub, GitLab and Terraform Cloud issuers, not ${issuer}`,
    };
  }
  const unsupported = supported && clauses.find((c) => !supported.includes(c.claim));
  if (unsupported) {
    return {
      error: `claim "${unsupported.claim}" is not supported for ${issuer} (supported: ${supported!.join(", ")})`,
    };
  }
  return { clauses };
}

export function expressionText(expression: FederatedCredential["claimsMatchingExpression"]): string | undefined {
  if (expression === undefined) return undefined;
  return typeof expression === "string" ? expression : expression.value;
}

export function clauseHolds(clause: Clause, claims: Readonly<Record<string, string | undefined>>): boolean {
  const actual = claims[clause.claim];
  if (actual === undefined) return false;
  return clause.operator === "eq" ? actual === clause.comparand : wildcardMatch(clause.comparand, actual);
}

/** Would Entra accept this token for this credential? The reason names the first test that failed. */
export function matchFederatedCredential(credential: FederatedCredential, token: ExternalToken): MatchResult {
  if (credential.issuer !== token.issuer) {
    return { matched: false, reason: `issuer ${token.issuer} is not ${credential.issuer}` };
  }
  const audiences = Array.isArray(token.audience) ? token.audience : [token.audience];
  if (!audiences.some((a) => credential.audiences.includes(a))) {
    return {
      matched: false,
      reason: `audience ${audiences.join(", ")} is not one of ${credential.audiences.join(", ")}`,
    };
  }
  const expression = expressionText(credential.claimsMatchingExpression);
  if (credential.subject !== undefined && expression !== undefined) {
    return {
      matched: false,
      reason: "the credential sets both subject and claimsMatchingExpression; Entra refuses it",
    };
  }
  if (expression === undefined) {
    if (credential.subject === undefined) return { matched: false, reason: "the credential has no subject" };
    return credential.subject === token.subject
      ? { matched: true, reason: `subject ${token.subject} matches exactly` }
      : {
          matched: false,
          reason: `subject ${token.subject} is not ${credential.subject} (compared exactly, case-sensitively)`,
        };
  }
  const parsed = parseClaimsExpression(expression, credential.issuer);
  if (parsed.error !== undefined) return { matched: false, reason: parsed.error };
  const claims: Record<string, string | undefined> = { ...token.claims, sub: token.subject };
  const failed = parsed.clauses.find((c) => !clauseHolds(c, claims));
  if (failed) {
    return {
      matched: false,
      reason: `claims['${failed.claim}'] = ${JSON.stringify(claims[failed.claim] ?? null)} fails ${failed.operator} '${failed.comparand}'`,
    };
  }
  return { matched: true, reason: "every clause of claimsMatchingExpression holds" };
}
