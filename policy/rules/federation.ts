/**
 * Rule family 4: federation that admits the wrong workload. IAM role trust policies that trust an
 * OIDC provider must pin aud and sub tightly enough that no hostile token gets in (see
 * federation/trust-policy.ts); Entra federated credentials must name the right audience, an HTTPS
 * issuer, and a subject or expression that admits only the intended workload (federation/entra.ts).
 */
import { isAllowedResource, schemaWith } from "../lib/config";
import { Rule, RuleConfig } from "../lib/rule";
import { violationMessage } from "../lib/violation";
import { ENTRA_AUDIENCE, federatedCredentialProblems, flexibleCredentialProblems } from "../federation/entra";
import { trustPolicyProblems } from "../federation/trust-policy";

/** Role types and the property holding their trust policy (aws-native takes the object form). */
const ROLES: Record<string, string> = {
  "aws:iam/role:Role": "assumeRolePolicy",
  "aws-native:iam:Role": "assumeRolePolicyDocument",
};
const FIXED_CREDENTIALS = [
  "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  "azure-native:managedidentity:FederatedIdentityCredential",
];
const FLEXIBLE_CREDENTIAL =
  "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential";

interface FederationConfig extends RuleConfig {
  allowedAudiences?: string[];
  /** Roles and credentials (URNs or names) that may admit pull_request subjects: reviewed read-only identities. */
  pullRequestIdentities?: string[];
}

const FIX_ROLE =
  "pin aud with StringEquals and sub with StringEquals to exact subjects (repo:OWNER/REPO:environment:NAME or ref:refs/heads/BRANCH); no wildcard in owner, repository or ID";
const FIX_ENTRA = `use audience ${ENTRA_AUDIENCE}, the HTTPS issuer, and an exact subject per workload`;

export const federation: Rule<FederationConfig> = {
  name: "federation-admits-only-the-intended-workload",
  description:
    "OIDC trusts (IAM roles, Entra federated credentials) must pin audience and subject so that no other owner, repository, branch, environment or pull request gets in.",
  enforcementLevel: "mandatory",
  configSchema: schemaWith({
    allowedAudiences: {
      type: "array",
      items: { type: "string" },
      default: [ENTRA_AUDIENCE],
      description: "Audiences an Entra federated credential may name.",
    },
    pullRequestIdentities: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "URNs or names of roles/credentials allowed to admit pull_request subjects (keep them read-only).",
    },
  }),
  check({ type, name, urn, props }, config) {
    const allowPullRequests = isAllowedResource({ allowedResources: config.pullRequestIdentities }, urn, name);
    const entra = { allowedAudiences: config.allowedAudiences ?? [ENTRA_AUDIENCE], allowPullRequests };
    let problems: string[] = [];
    let fix = FIX_ENTRA;
    const trustProperty = ROLES[type];
    if (trustProperty) {
      problems = trustPolicyProblems(props[trustProperty], { allowPullRequests });
      fix = FIX_ROLE;
    } else if (FIXED_CREDENTIALS.includes(type)) {
      problems = federatedCredentialProblems(
        { issuer: props.issuer, subject: props.subject, audiences: props.audiences },
        entra,
      );
    } else if (type === FLEXIBLE_CREDENTIAL) {
      problems = flexibleCredentialProblems(
        { issuer: props.issuer, audience: props.audience, expression: props.claimsMatchingExpression },
        entra,
      );
    }
    return problems.map((p) => violationMessage(name, type, p, fix, trustProperty));
  },
};
