/**
 * Rule family 4: federation that admits the wrong workload. IAM role trust policies that trust an OIDC provider must
 * pin aud and sub tightly enough that no hostile token gets in; Entra federated credentials must name the right
 * audience for their issuer, an HTTPS issuer, and a subject or expression that admits only the intended workload.
 * The judgement is the evaluator's (policy/iam: web-identity.ts, entra-analysis.ts): symbolic over wildcards,
 * concrete on each witness.
 */
import { isAllowedResource, schemaWith } from "../lib/config";
import { Rule, RuleConfig } from "../lib/rule";
import { violationMessage } from "../lib/violation";
import { analyseWebIdentityTrust } from "../iam";
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE as ENTRA_AUDIENCE } from "../iam/entra";
import { fixedCredentialProblems, flexibleCredentialProblems } from "../iam/entra-analysis";

/** The trust's findings worded as problems: what it fails to pin, then one line listing every admission per issuer. */
export function trustPolicyProblems(policy: unknown, options: { allowPullRequests: boolean }): string[] {
  const problems: string[] = [];
  const admissions = new Map<string, string[]>();
  for (const f of analyseWebIdentityTrust(policy, options)) {
    if (f.message.startsWith("admits ") && f.kind !== "anotherSubject") {
      const key = f.issuer ?? "";
      admissions.set(key, [...(admissions.get(key) ?? []), f.message.slice("admits ".length)]);
    } else problems.push(f.message);
  }
  for (const list of admissions.values()) problems.push(`admits ${list.join("; ")}`);
  return [...new Set(problems)];
}

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
  /** Per issuer URL, the audiences its credentials may name (overrides the documented default). */
  issuerAudiences?: Record<string, string[]>;
  /** Roles and credentials (URNs or names) that may admit pull_request subjects: reviewed read-only identities. */
  pullRequestIdentities?: string[];
}

const FIX_ROLE =
  "pin aud with StringEquals and sub with StringEquals to exact subjects (repo:OWNER/REPO:environment:NAME or ref:refs/heads/BRANCH); no wildcard in owner, repository or ID";
const FIX_ENTRA = `use the issuer's audience (${ENTRA_AUDIENCE} for GitHub, the organisation name for Pulumi Cloud), the HTTPS issuer, and an exact subject per workload`;

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
      description:
        "Audiences an Entra federated credential may name for issuers without a documented audience (GitHub: api://AzureADTokenExchange; Pulumi Cloud: the organisation name).",
    },
    issuerAudiences: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" } },
      default: {},
      description:
        "Per issuer URL, the audiences its federated credentials may name (overrides the documented default).",
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
    const entra = {
      allowedAudiences: config.allowedAudiences ?? [ENTRA_AUDIENCE],
      issuerAudiences: config.issuerAudiences,
      allowPullRequests,
    };
    let problems: string[] = [];
    let fix = FIX_ENTRA;
    const trustProperty = ROLES[type];
    if (trustProperty) {
      problems = trustPolicyProblems(props[trustProperty], { allowPullRequests });
      fix = FIX_ROLE;
    } else if (FIXED_CREDENTIALS.includes(type) && props.claimsMatchingExpression !== undefined) {
      // Managed identities take flexible expressions too (API 2025-01-31-preview): judged like the flexible type.
      const audiences = Array.isArray(props.audiences) ? props.audiences : [props.audiences];
      problems = flexibleCredentialProblems(
        {
          issuer: props.issuer,
          audience: audiences.length === 1 ? audiences[0] : audiences,
          expression: props.claimsMatchingExpression,
        },
        entra,
      );
    } else if (FIXED_CREDENTIALS.includes(type)) {
      problems = fixedCredentialProblems(
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
