/**
 * Entra federated identity credentials (app registrations and managed identities, fixed and
 * flexible). Entra matches issuer and subject exactly and case-sensitively, so the exposure is in
 * what the credential names: a wrong audience, a non-HTTPS issuer, a wildcard that will never
 * match as intended, a pull_request subject, or a flexible expression broad enough to let hostile
 * GitHub tokens through. Values unknown during preview are left to values-unknown-during-preview
 * and judged here when the update registers the resource.
 */
import { isUnknown } from "../lib/values";
import { likeToRegExp } from "./iam-conditions";
import { claimsOf, defaultIdentity, GitHubIdentity, hostileIdentities, identityFromSubject } from "./github-identities";
import { describeAdmitted, GITHUB_ISSUER } from "./trust-policy";

export const ENTRA_AUDIENCE = "api://AzureADTokenExchange";

export interface EntraOptions {
  allowedAudiences: string[];
  allowPullRequests: boolean;
}

function issuerProblems(issuer: unknown): string[] {
  if (isUnknown(issuer)) return [];
  if (typeof issuer !== "string" || issuer === "") return ["has no issuer"];
  if (!issuer.startsWith("https://")) return [`issuer "${issuer}" is not an HTTPS URL`];
  if (/[*?]/.test(issuer)) return [`issuer "${issuer}" contains a wildcard`];
  return [];
}

function audienceProblems(audiences: unknown, options: EntraOptions): string[] {
  const list = Array.isArray(audiences) ? audiences : [audiences];
  if (list.some(isUnknown)) return [];
  const wrong = list.filter((a) => typeof a !== "string" || !options.allowedAudiences.includes(a));
  if (list.length === 0) return [`has no audience (use ${ENTRA_AUDIENCE})`];
  return wrong.length
    ? [`audience ${wrong.map((a) => JSON.stringify(a)).join(", ")} is not ${options.allowedAudiences.join(" or ")}`]
    : [];
}

function isGitHubIssuer(issuer: unknown): boolean {
  return typeof issuer === "string" && issuer.replace(/\/+$/, "").startsWith(`https://${GITHUB_ISSUER}`);
}

/** A fixed credential: `issuer` + `subject` + `audiences`. */
export function federatedCredentialProblems(
  fic: { issuer: unknown; subject: unknown; audiences: unknown },
  options: EntraOptions,
): string[] {
  const problems = [...issuerProblems(fic.issuer), ...audienceProblems(fic.audiences, options)];
  const subject = fic.subject;
  if (isUnknown(subject)) return problems;
  if (typeof subject !== "string" || subject === "") return [...problems, "has no subject"];
  if (/[*?]/.test(subject))
    problems.push(
      `subject "${subject}" contains a wildcard (Entra matches subjects exactly; use a flexible credential with a narrow expression, or one credential per subject)`,
    );
  if (isGitHubIssuer(fic.issuer)) {
    if (!identityFromSubject(subject, ENTRA_AUDIENCE))
      problems.push(`subject "${subject}" is not a GitHub subject (repo:OWNER/REPO:...)`);
    else if (subject.endsWith(":pull_request") && !options.allowPullRequests)
      problems.push(
        "admits pull requests (from any branch; from forks too under pull_request_target); give pull requests a separate read-only identity and allow-list it in pullRequestIdentities",
      );
  }
  return problems;
}

/**
 * The documented expression language of flexible credentials: clauses
 * `claims['<name>'] matches '<pattern>'` or `claims['<name>'] eq '<value>'`, joined with `and`.
 * Anything else is not evaluated (and reported).
 */
interface Clause {
  claim: string;
  op: "matches" | "eq";
  value: string;
}
const CLAUSE = /^\s*claims\[\s*'([A-Za-z_]+)'\s*\]\s+(matches|eq)\s+'([^']*)'\s*$/;

export function parseClaimsExpression(expression: string): Clause[] | undefined {
  const parts = expression.split(/\s+and\s+/i);
  const clauses: Clause[] = [];
  for (const part of parts) {
    const m = CLAUSE.exec(part.replace(/^\s*\(|\)\s*$/g, ""));
    if (!m) return undefined;
    clauses.push({ claim: m[1], op: m[2] as Clause["op"], value: m[3] });
  }
  return clauses;
}

function clauseHolds(clause: Clause, claims: Record<string, string | undefined>): boolean {
  const actual = claims[clause.claim];
  if (actual === undefined) return false;
  if (clause.op === "eq") return actual === clause.value;
  return likeToRegExp(clause.value, false).test(actual);
}

export function flexibleCredentialProblems(
  fic: { issuer: unknown; audience: unknown; expression: unknown },
  options: EntraOptions,
): string[] {
  const problems = [...issuerProblems(fic.issuer), ...audienceProblems(fic.audience, options)];
  if (isUnknown(fic.expression)) return problems;
  if (typeof fic.expression !== "string") return [...problems, "has no claimsMatchingExpression"];
  const clauses = parseClaimsExpression(fic.expression);
  if (!clauses)
    return [
      ...problems,
      "claimsMatchingExpression cannot be evaluated; keep to claims['name'] eq|matches 'value' clauses joined with and",
    ];
  const subjectClauses = clauses.filter((c) => c.claim === "sub");
  if (subjectClauses.length === 0) return [...problems, "claimsMatchingExpression does not constrain sub"];
  if (!isGitHubIssuer(fic.issuer)) return problems;
  const legit: GitHubIdentity[] = subjectClauses
    .map((c) => identityFromSubject(c.value, ENTRA_AUDIENCE))
    .filter((id): id is GitHubIdentity => !!id);
  const identities = legit.length ? legit : [defaultIdentity(ENTRA_AUDIENCE)];
  // Entra checks the audience itself; the expression only sees the other claims.
  const admitted = identities
    .flatMap((id) => hostileIdentities(id))
    .filter((h) => !h.description.includes("audience") && !(h.pullRequest && options.allowPullRequests))
    .filter((h) => clauses.every((c) => clauseHolds(c, claimsOf(h.identity))));
  const admission = describeAdmitted(admitted);
  if (admission) problems.push(`claimsMatchingExpression ${admission}`);
  return problems;
}
