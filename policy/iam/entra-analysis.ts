/**
 * Entra federated credentials judged symbolically: what they name (issuer, audience per issuer, subject) and, for a
 * flexible credential, every hostile class of github-subjects.ts intersected with its `sub` clauses, each witness
 * then matched concretely by entra.ts exactly as Entra would.
 *
 * Audiences per issuer: GitHub's issuer expects `api://AzureADTokenExchange` (what `azure/login` asks for); Pulumi
 * Cloud's issuer (`https://api.pulumi.com/oidc`) uses the Pulumi organisation name as the audience, as Pulumi
 * documents for Azure ("Configuring OpenID Connect for Azure", pulumi.com/docs/deployments/guides/oidc/azure/), so
 * the audience must be the organisation named in the subject (`pulumi:deploy:org:<org>:...`); any other issuer takes
 * the configured audiences (default `api://AzureADTokenExchange`).
 */
import { isUnknown } from "../lib/values";
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE, ExternalToken, matchFederatedCredential, parseClaimsExpression } from "./entra";
import { Glob, intersectGlobs, literalCharacters, literalGlob, wildcardGlob } from "./glob";
import {
  claimsForSubject,
  FOREIGN_CLASSES,
  freshCharacters,
  HOSTILE_DESCRIPTIONS,
  HOSTILE_CLASSES,
  hostileTemplates,
  isGitHubSubject,
} from "./github-subjects";
import { GITHUB_ISSUER_URL } from "./github";

export const PULUMI_CLOUD_ISSUER = "https://api.pulumi.com/oidc";

export interface EntraAnalysisOptions {
  /** Audiences accepted for issuers without a documented audience. Default `api://AzureADTokenExchange`. */
  allowedAudiences?: readonly string[];
  /** Per issuer URL, the audiences it may use (overrides the documented default). */
  issuerAudiences?: Readonly<Record<string, readonly string[]>>;
  /** The identity may admit pull_request subjects (a reviewed, read-only identity). */
  allowPullRequests?: boolean;
}

export function isGitHubIssuerUrl(issuer: string): boolean {
  const url = issuer.replace(/\/+$/, "");
  return url === GITHUB_ISSUER_URL || url.startsWith(`${GITHUB_ISSUER_URL}/`);
}

/** The Pulumi organisation a Pulumi Cloud subject names (`pulumi:deploy:org:<org>:...`, `pulumi:environments:org:<org>:...`). */
export function pulumiOrganisation(subject: string): string | undefined {
  return /^pulumi:[a-z]+:org:([^:]+)(?::|$)/.exec(subject)?.[1];
}

/**
 * The audiences a credential with this issuer (and subject, for Pulumi Cloud) may name: the issuer's documented
 * audience plus any configured for every issuer (`allowedAudiences`), or exactly what `issuerAudiences` says for it.
 */
export function expectedAudiences(
  issuer: string,
  subject: string | undefined,
  options: EntraAnalysisOptions,
): readonly string[] {
  const url = issuer.replace(/\/+$/, "");
  const configured = options.issuerAudiences?.[url] ?? options.issuerAudiences?.[issuer];
  if (configured) return configured;
  const extra = options.allowedAudiences ?? [ENTRA_TOKEN_EXCHANGE_AUDIENCE];
  if (isGitHubIssuerUrl(url)) return [...new Set([ENTRA_TOKEN_EXCHANGE_AUDIENCE, ...extra])];
  if (url === PULUMI_CLOUD_ISSUER) {
    const org = subject === undefined ? undefined : pulumiOrganisation(subject);
    // The default list is the Entra audience, which no Pulumi Cloud token carries: only configured extras count.
    const configuredExtra = options.allowedAudiences?.filter((a) => a !== ENTRA_TOKEN_EXCHANGE_AUDIENCE) ?? [];
    return [...(org === undefined ? [] : [org]), ...configuredExtra];
  }
  return extra;
}

function issuerProblems(issuer: unknown): string[] {
  if (isUnknown(issuer)) return [];
  if (typeof issuer !== "string" || issuer === "") return ["has no issuer"];
  if (!issuer.startsWith("https://")) return [`issuer "${issuer}" is not an HTTPS URL`];
  if (/[*?]/.test(issuer)) return [`issuer "${issuer}" contains a wildcard`];
  return [];
}

function audienceProblems(
  issuer: unknown,
  subject: string | undefined,
  audiences: unknown,
  options: EntraAnalysisOptions,
): string[] {
  const list = Array.isArray(audiences) ? audiences : audiences === undefined ? [] : [audiences];
  if (list.some(isUnknown) || isUnknown(issuer) || typeof issuer !== "string") return [];
  if (list.length === 0)
    return [
      `has no audience (use ${expectedAudiences(issuer, subject, options).join(" or ") || ENTRA_TOKEN_EXCHANGE_AUDIENCE})`,
    ];
  const expected = expectedAudiences(issuer, subject, options);
  const wrong = list.filter((a) => typeof a !== "string" || !expected.includes(a));
  if (wrong.length === 0) return [];
  const why =
    expected.length === 0
      ? "is not the Pulumi organisation named in the subject (pulumi:deploy:org:<org>:...)"
      : `is not ${expected.join(" or ")}${issuer.replace(/\/+$/, "") === PULUMI_CLOUD_ISSUER ? " (Pulumi Cloud's audience is the organisation name)" : ""}`;
  return [`audience ${wrong.map((a) => JSON.stringify(a)).join(", ")} ${why}`];
}

const PULL_REQUEST_PROBLEM =
  "admits pull requests (from any branch; from forks too under pull_request_target); give pull requests a separate read-only identity and allow-list it in pullRequestIdentities";

/** A fixed credential: `issuer` + `subject` + `audiences`. */
export function fixedCredentialProblems(
  fic: { issuer: unknown; subject: unknown; audiences: unknown },
  options: EntraAnalysisOptions = {},
): string[] {
  const subject = typeof fic.subject === "string" && !isUnknown(fic.subject) ? fic.subject : undefined;
  const problems = [...issuerProblems(fic.issuer), ...audienceProblems(fic.issuer, subject, fic.audiences, options)];
  if (isUnknown(fic.subject)) return problems;
  if (subject === undefined || subject === "") return [...problems, "has no subject"];
  if (/[*?]/.test(subject))
    problems.push(
      `subject "${subject}" contains a wildcard (Entra matches subjects exactly; use a flexible credential with a narrow expression, or one credential per subject)`,
    );
  if (typeof fic.issuer === "string" && isGitHubIssuerUrl(fic.issuer)) {
    if (!isGitHubSubject(subject)) problems.push(`subject "${subject}" is not a GitHub subject (repo:OWNER/REPO:...)`);
    else if (subject.endsWith(":pull_request") && !options.allowPullRequests) problems.push(PULL_REQUEST_PROBLEM);
  }
  return problems;
}

/** A flexible credential: `issuer` + `audience` + `claimsMatchingExpression`. */
export function flexibleCredentialProblems(
  fic: { issuer: unknown; audience: unknown; expression: unknown },
  options: EntraAnalysisOptions = {},
): string[] {
  const problems = [...issuerProblems(fic.issuer)];
  const expression =
    fic.expression !== null && typeof fic.expression === "object"
      ? (fic.expression as { value?: unknown }).value
      : fic.expression;
  if (isUnknown(expression) || isUnknown(fic.issuer)) return problems;
  if (typeof expression !== "string") return [...problems, "has no claimsMatchingExpression"];
  const issuer = typeof fic.issuer === "string" ? fic.issuer : "";
  const parsed = parseClaimsExpression(expression, issuer);
  if (parsed.error !== undefined) return [...problems, `claimsMatchingExpression cannot be evaluated: ${parsed.error}`];
  const subClauses = parsed.clauses.filter((c) => c.claim === "sub");
  const literalSubject = subClauses.find((c) => c.operator === "eq")?.comparand;
  problems.push(...audienceProblems(fic.issuer, literalSubject, fic.audience, options));
  if (subClauses.length === 0) return [...problems, "claimsMatchingExpression does not constrain sub"];
  if (!isGitHubIssuerUrl(issuer)) return problems;

  const globs: Glob[] = subClauses.map((c) =>
    c.operator === "eq" ? literalGlob(c.comparand) : wildcardGlob(c.comparand),
  );
  const fresh = freshCharacters(literalCharacters(globs));
  const audience = typeof fic.audience === "string" ? fic.audience : ENTRA_TOKEN_EXCHANGE_AUDIENCE;
  const credential = { issuer, audiences: [audience], claimsMatchingExpression: expression };
  const admitted: string[] = [];
  for (const cls of HOSTILE_CLASSES) {
    if (cls === "pullRequest" && options.allowPullRequests) continue;
    for (const template of hostileTemplates(cls, fresh)) {
      const witness = intersectGlobs([template, ...globs]);
      if (witness === undefined) continue;
      const claims = claimsForSubject(witness, { aud: audience, foreign: FOREIGN_CLASSES.has(cls) });
      const token: ExternalToken = { issuer, subject: witness, audience, claims };
      if (matchFederatedCredential(credential, token).matched) {
        admitted.push(`${HOSTILE_DESCRIPTIONS[cls]} (sub ${witness})`);
        break;
      }
    }
  }
  if (admitted.length > 0) problems.push(`claimsMatchingExpression admits ${admitted.join("; ")}`);
  return problems;
}
