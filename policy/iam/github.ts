/**
 * What AWS STS makes of a GitHub Actions OIDC token: which of its claims become condition keys in a trust policy.
 *
 * STS exposes `aud` and `sub` for every OIDC provider, and for GitHub's issuer only these further claims
 * ("Available keys for AWS OIDC federation", IAM User Guide, reference_policies_iam-condition-keys.html#condition-keys-wif;
 * announced in "AWS STS supports validation of identity provider claims", AWS What's New, January 2026):
 * `actor`, `actor_id`, `job_workflow_ref`, `repository`, `repository_id`, `workflow`, `ref`, `environment`,
 * `enterprise_id`. Every other claim the token carries (`repository_owner`, `repository_owner_id`, `ref_type`,
 * `event_name`, `workflow_ref`, `head_ref`, ...) is ABSENT from the request context: a condition on it is false, and
 * its `...IfExists` form true.
 *
 * Keys are named after the provider URL without its scheme: `token.actions.githubusercontent.com:sub`, or
 * `token.actions.githubusercontent.com/<enterprise slug>:sub` for an enterprise's custom issuer.
 */
import type { RequestContext } from "./conditions";

export const GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com";
export const GITHUB_ISSUER_URL = `https://${GITHUB_ISSUER_HOST}`;

/** Claims STS exposes for any OIDC provider. */
export const STS_OIDC_KEYS: readonly string[] = ["aud", "sub"];

/** GitHub claims STS exposes as condition keys, beyond `aud` and `sub`. */
export const STS_GITHUB_CLAIM_KEYS: readonly string[] = [
  "actor",
  "actor_id",
  "job_workflow_ref",
  "repository",
  "repository_id",
  "workflow",
  "ref",
  "environment",
  "enterprise_id",
];

/** True for a condition-key prefix that names GitHub's issuer (public or an enterprise's). */
export function isGitHubPrefix(prefix: string): boolean {
  return prefix === GITHUB_ISSUER_HOST || prefix.startsWith(`${GITHUB_ISSUER_HOST}/`);
}

/** `arn:aws:iam::123:oidc-provider/token.actions.githubusercontent.com` -> `token.actions.githubusercontent.com`. */
export function issuerPrefixOfProvider(providerArn: string): string | undefined {
  return /:oidc-provider\/(.+)$/.exec(providerArn)?.[1];
}

/** True when STS would expose this claim of this issuer as a condition key. */
export function isExposedClaim(prefix: string, claim: string): boolean {
  if (STS_OIDC_KEYS.includes(claim)) return true;
  return isGitHubPrefix(prefix) && STS_GITHUB_CLAIM_KEYS.includes(claim);
}

/**
 * The condition keys an `AssumeRoleWithWebIdentity` request carries for a token with these claims: each exposed
 * claim under `<prefix>:<claim>`, every other claim left out. Non-string claim values are given as text.
 */
export function webIdentityContext(
  prefix: string,
  claims: Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>,
): RequestContext {
  const context: Record<string, string | string[]> = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (value === undefined || !isExposedClaim(prefix, claim)) continue;
    context[`${prefix}:${claim}`] = Array.isArray(value) ? [...value].map(String) : String(value);
  }
  return context;
}

/** The provider ARN STS names as the `Federated` principal of a web-identity request. */
export function providerArn(accountId: string, prefix = GITHUB_ISSUER_HOST, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${prefix}`;
}
