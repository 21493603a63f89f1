/**
 * The trust evaluator: IAM policy evaluation (identity, boundary and trust policies) and Entra federated-credential
 * matching, concrete and symbolic. One module for the pack's rules, the components' own checks and the tools (the
 * IAM enforcement in front of the emulators, the workflow x identity matrix). See docs/policy.md, "The evaluator".
 */
export { parsePolicy, PolicyDocumentError } from "./document";
export type { PolicyDocument, Statement, PrincipalMap, Effect } from "./document";
export { ContextLookup, keyHolds, conditionHolds, parseOperator, isKnownOperator } from "./conditions";
export type { RequestContext, ContextValue } from "./conditions";
export {
  evaluatePolicies,
  evaluateIdentityPolicy,
  evaluateTrustPolicy,
  actionMatches,
  principalMatches,
} from "./evaluate";
export type { Decision, DecisionKind, Request, RequestPrincipal, StatementRef, EvaluationOptions } from "./evaluate";
export { arnMatches, arnAccount } from "./arn";
export { wildcardMatch, intersectGlobs, wildcardGlob, literalGlob } from "./glob";
export {
  GITHUB_ISSUER_HOST,
  GITHUB_ISSUER_URL,
  STS_GITHUB_CLAIM_KEYS,
  STS_OIDC_KEYS,
  isExposedClaim,
  isGitHubPrefix,
  issuerPrefixOfProvider,
  providerArn,
  webIdentityContext,
} from "./github";
export {
  ENTRA_TOKEN_EXCHANGE_AUDIENCE,
  matchFederatedCredential,
  parseClaimsExpression,
  flexibleClaimsFor,
} from "./entra";
export type { FederatedCredential, ExternalToken, MatchResult, Clause } from "./entra";
export { analyseWebIdentityTrust, WEB_IDENTITY_ACTION } from "./web-identity";
export type { TrustFinding, TrustFindingKind, TrustAnalysisOptions } from "./web-identity";
export { analyseEscalation } from "./escalation";
export { awsManagedPolicyDocument } from "./aws-managed-policies";
export type { EscalationFinding, EscalationKind, EscalationSubject } from "./escalation";
