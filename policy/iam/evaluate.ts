/**
 * Concrete decisions: one request (action, resource, principal, context) against one or more policy documents, with
 * IAM's evaluation logic ("Policy evaluation logic", IAM User Guide, reference_policies_evaluation-logic.html):
 *
 * 1. every request starts denied (implicit deny);
 * 2. a statement applies when its action, resource, principal and condition all match the request;
 * 3. an applicable Deny wins over everything (explicit deny);
 * 4. otherwise an applicable Allow allows;
 * 5. a permissions boundary caps an identity policy: both must allow, and a Deny in either denies.
 *
 * Action names are case-insensitive and take `*`/`?` wildcards; `NotAction` matches every action it does not list.
 * `Resource` and `NotResource` are matched segment by segment as ARNs. `Principal` is `"*"`, or a map of
 * principal types (`AWS`, `Federated`, `Service`) to values where `"*"` stands for every principal of that type and
 * an account ID or `arn:aws:iam::ACCOUNT:root` for every principal of that account; `NotPrincipal` matches every
 * principal it does not list.
 */
import { arnAccount, arnMatches } from "./arn";
import { conditionHolds, ContextLookup, OpenKeys, RequestContext } from "./conditions";
import { PolicyDocument, PrincipalMap, Statement, statementLabel, toDocument } from "./document";
import { wildcardMatch } from "./glob";

export type DecisionKind = "allow" | "deny" | "implicitDeny";

export interface StatementRef {
  /** Index of the document in the list the caller passed (0 for a single document). */
  policy: number;
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
}

export interface Decision {
  decision: DecisionKind;
  /** The statement that decided (the Deny that denied, or the Allow that allowed). */
  statement?: StatementRef;
  /** Why, in words: which statement decided, or why none applied (the first failing test of each Allow). */
  reason: string;
}

/** The principal making the request. */
export type RequestPrincipal =
  | { type: "Federated"; id: string }
  | { type: "Service"; id: string }
  | { type: "AWS"; id: string }
  | { type: "Anonymous" };

export interface Request {
  action: string;
  /** Omitted for trust policies (the resource is the role itself). */
  resource?: string;
  principal?: RequestPrincipal;
  context?: RequestContext;
}

export type PolicyInput = unknown;

export interface EvaluationOptions {
  /** Symbolic analysis: keys whose values the requester chooses (see conditions.ts). */
  open?: { isOpen(key: string): boolean };
}

export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

function actionApplies(s: Statement, action: string): boolean {
  if (s.notActions) return !s.notActions.some((p) => actionMatches(p, action));
  return (s.actions ?? []).some((p) => actionMatches(p, action));
}

function resourceApplies(s: Statement, resource: string | undefined): boolean {
  if (resource === undefined) return true;
  if (s.notResources) return !s.notResources.some((p) => arnMatches(p, resource));
  if (!s.resources) return true;
  return s.resources.some((p) => arnMatches(p, resource));
}

function principalValueMatches(type: string, value: string, principal: RequestPrincipal): boolean {
  if (principal.type === "Anonymous") return value === "*";
  if (value === "*") return true;
  if (type === "AWS" && principal.type === "AWS") {
    if (/^\d{12}$/.test(value)) return arnAccount(principal.id) === value || principal.id === value;
    const root = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(value);
    if (root) return arnAccount(principal.id) === root[1] || principal.id === root[1];
    // A role trusts its sessions: arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION is the role NAME.
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(principal.id);
    if (session && wildcardMatch(value, `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`)) return true;
  }
  // IAM refuses partial wildcards in a principal; matching them as patterns over-approximates, never under.
  return wildcardMatch(value, principal.id, type === "Service");
}

export function principalMatches(map: PrincipalMap, principal: RequestPrincipal): boolean {
  for (const [type, values] of Object.entries(map)) {
    // "Principal": "*" and "Principal": { "AWS": "*" } are the same: everyone (reference_policies_elements_principal.html).
    if (type === "*" || (type === "AWS" && values.includes("*"))) return true;
    if (principal.type !== "Anonymous" && type !== principal.type) continue;
    if (values.some((v) => principalValueMatches(type, v, principal))) return true;
  }
  return false;
}

function principalApplies(s: Statement, principal: RequestPrincipal | undefined): boolean {
  if (principal === undefined) return true;
  if (s.notPrincipal) return !principalMatches(s.notPrincipal, principal);
  if (!s.principal) return true;
  return principalMatches(s.principal, principal);
}

interface StatementResult {
  applies: boolean;
  why?: string;
}

function evaluateStatement(
  s: Statement,
  request: Request,
  context: ContextLookup,
  options: EvaluationOptions,
): StatementResult {
  if (!actionApplies(s, request.action)) return { applies: false, why: `action ${request.action} is not covered` };
  if (!resourceApplies(s, request.resource))
    return { applies: false, why: `resource ${request.resource} is not covered` };
  if (!principalApplies(s, request.principal)) return { applies: false, why: "the principal is not named" };
  const open: OpenKeys | undefined = options.open && { isOpen: options.open.isOpen, resolveAs: s.effect === "Allow" };
  const result = conditionHolds(s.condition, context, open);
  if (!result.holds)
    return { applies: false, why: `condition ${result.failure!.operator} fails: ${result.failure!.reason}` };
  return { applies: true };
}

function toDocuments(documents: PolicyInput | PolicyInput[]): PolicyDocument[] {
  return (Array.isArray(documents) ? documents : [documents]).map(toDocument);
}

/** Evaluates a request against policies of one kind (identity policies together, or one trust policy). */
export function evaluatePolicies(
  documents: PolicyInput | PolicyInput[],
  request: Request,
  options: EvaluationOptions = {},
): Decision {
  const context = new ContextLookup(request.context);
  let allow: StatementRef | undefined;
  const misses: string[] = [];
  const docs = toDocuments(documents);
  for (const [policy, doc] of docs.entries()) {
    for (const s of doc.statements) {
      const result = evaluateStatement(s, request, context, options);
      const ref: StatementRef = { policy, index: s.index, sid: s.sid, effect: s.effect };
      const label = docs.length > 1 ? `policy ${policy} ${statementLabel(s)}` : statementLabel(s);
      if (result.applies && s.effect === "Deny") {
        return { decision: "deny", statement: ref, reason: `explicitly denied by ${label}` };
      }
      if (result.applies) allow ??= ref;
      else if (s.effect === "Allow") misses.push(`${label}: ${result.why}`);
    }
  }
  if (allow) {
    const label = docs.length > 1 ? `policy ${allow.policy} statement` : "statement";
    return {
      decision: "allow",
      statement: allow,
      reason: `allowed by ${label} ${allow.sid ? `"${allow.sid}"` : allow.index}`,
    };
  }
  return {
    decision: "implicitDeny",
    reason: misses.length ? `no statement allows it (${misses.join("; ")})` : "no statement allows it",
  };
}

/**
 * An identity's permissions: its identity policies, capped by a permissions boundary when it has one. This is the
 * decision for a call the identity makes within its own account (no resource policy, SCP or session policy).
 */
export function evaluateIdentityPolicy(
  documents: PolicyInput | PolicyInput[],
  request: { action: string; resource: string; context?: RequestContext },
  options: EvaluationOptions & { permissionsBoundary?: PolicyInput | PolicyInput[] } = {},
): Decision {
  const identity = evaluatePolicies(documents, request, options);
  if (options.permissionsBoundary === undefined || identity.decision === "deny") return identity;
  const boundary = evaluatePolicies(options.permissionsBoundary, request, options);
  if (boundary.decision === "deny") return { ...boundary, reason: `permissions boundary: ${boundary.reason}` };
  if (identity.decision === "allow" && boundary.decision !== "allow") {
    return { decision: "implicitDeny", reason: `the permissions boundary does not allow it (${boundary.reason})` };
  }
  return identity;
}

/**
 * A role's trust policy against an `sts:AssumeRole*` request: who asks (for web identity, the `Federated` provider
 * ARN) and the request's condition keys (for web identity, the token's claims as STS exposes them; see github.ts).
 */
export function evaluateTrustPolicy(
  document: PolicyInput,
  request: { principal: RequestPrincipal; action?: string; context?: RequestContext },
  options: EvaluationOptions = {},
): Decision {
  return evaluatePolicies(
    document,
    {
      action: request.action ?? "sts:AssumeRoleWithWebIdentity",
      principal: request.principal,
      context: request.context,
    },
    options,
  );
}
