/**
 * Can a role raise itself? Reads a role's identity policies the way IAM evaluates them, resource patterns included,
 * and asks concrete questions of the evaluator:
 *
 * - may it change its OWN role: rewrite its permissions (`PutRolePolicy`, `AttachRolePolicy`), its trust
 *   (`UpdateAssumeRolePolicy`), or replace or lift its boundary (`PutRolePermissionsBoundary`,
 *   `DeleteRolePermissionsBoundary`)? A role pattern such as `role/zs-dev-*` covers the role itself: this is what a
 *   check that only lists actions (Checkov's CKV_AWS_286-style privilege-escalation checks) cannot see;
 * - may it create or change OTHER roles without the permissions boundary (`iam:PermissionsBoundary` absent, or
 *   another policy), so that a role it creates can hold what it cannot;
 * - may it lift any role's boundary, or edit a managed policy it or its boundary relies on
 *   (`CreatePolicyVersion`, `SetDefaultPolicyVersion`);
 * - may it mint long-lived credentials for users (`CreateAccessKey`, `CreateLoginProfile`).
 *
 * Condition keys other than `iam:PermissionsBoundary` are resolved in the role's favour (an Allow's condition is
 * assumed met, a Deny's avoided): a restriction the analysis cannot see never makes a role look safe.
 */
import { isUnknown } from "../lib/values";
import { PolicyDocument, PolicyDocumentError, Statement, toDocument } from "./document";
import { actionMatches, evaluatePolicies } from "./evaluate";

export type EscalationKind =
  | "selfPermissions"
  | "selfTrust"
  | "selfBoundary"
  | "roleWithoutBoundary"
  | "liftBoundary"
  | "editManagedPolicy"
  | "userCredentials"
  | "unreadable";

export interface EscalationFinding {
  kind: EscalationKind;
  message: string;
}

export interface EscalationSubject {
  /** The role's own ARN, when known. */
  roleArn?: string;
  /** The role's name, when only that is known: its ARN is formed in every account the policies name. */
  roleName?: string;
}

const BOUNDARY_KEY = "iam:PermissionsBoundary";

function witnessOf(pattern: string, fallback: string): string {
  if (pattern === "*") return fallback;
  return pattern.replace(/\*/g, "x9").replace(/\?/g, "x");
}

/** Resources the policies allow an action on, as concrete witnesses (one per pattern). */
function witnesses(docs: PolicyDocument[], action: string, fallback: string): string[] {
  const out = new Set<string>();
  const covers = (s: Statement) =>
    s.effect === "Allow" &&
    (s.notActions
      ? !s.notActions.some((p) => actionMatches(p, action))
      : (s.actions ?? []).some((p) => actionMatches(p, action)));
  for (const doc of docs)
    for (const s of doc.statements) {
      if (!covers(s)) continue;
      if (s.notResources || !s.resources) out.add(fallback);
      else for (const r of s.resources) if (!isUnknown(r)) out.add(witnessOf(r, fallback));
    }
  return [...out];
}

function boundaryValues(docs: PolicyDocument[]): string[] {
  const out = new Set<string>();
  for (const doc of docs)
    for (const s of doc.statements)
      for (const block of Object.values(s.condition))
        for (const [key, values] of Object.entries(block))
          if (key.toLowerCase() === BOUNDARY_KEY.toLowerCase()) values.forEach((v) => out.add(String(v)));
  return [...out].filter((v) => !isUnknown(v));
}

function accountsOf(docs: PolicyDocument[]): string[] {
  const text = JSON.stringify(docs);
  const accounts = new Set([...text.matchAll(/arn:aws[a-z-]*:iam::(\d{12}):/g)].map((m) => m[1]));
  return accounts.size ? [...accounts] : ["000000000000"];
}

/** Every way the policies let the role raise itself; none for a role that cannot. */
export function analyseEscalation(policies: unknown[], subject: EscalationSubject = {}): EscalationFinding[] {
  let docs: PolicyDocument[];
  try {
    docs = policies.filter((p) => !isUnknown(p) && p !== undefined && p !== null).map(toDocument);
  } catch (error) {
    if (error instanceof PolicyDocumentError)
      return [{ kind: "unreadable", message: `cannot be read: ${error.message}` }];
    throw error;
  }
  if (docs.length === 0) return [];
  const boundaries = boundaryValues(docs);
  const accounts = accountsOf(docs);
  const account = accounts[0];
  const selfArns = subject.roleArn
    ? [subject.roleArn]
    : subject.roleName && !isUnknown(subject.roleName)
      ? accounts.map((a) => `arn:aws:iam::${a}:role/${subject.roleName}`)
      : [];
  const can = (action: string, resource: string, boundary: string | undefined) =>
    evaluatePolicies(
      docs,
      { action, resource, context: boundary === undefined ? {} : { [BOUNDARY_KEY]: boundary } },
      { open: { isOpen: (key) => key.toLowerCase() !== BOUNDARY_KEY.toLowerCase() } },
    ).decision === "allow";
  // The role's own boundary is one of those its policies name (or none): try each.
  const selfContexts = [undefined, ...boundaries];
  const findings = new Map<EscalationKind, EscalationFinding>();
  const add = (kind: EscalationKind, message: string) => {
    if (!findings.has(kind)) findings.set(kind, { kind, message });
  };

  for (const self of selfArns) {
    const selfCan = (actions: string[]) => actions.find((a) => selfContexts.some((b) => can(a, self, b)));
    const permissions = selfCan(["iam:PutRolePolicy", "iam:AttachRolePolicy"]);
    if (permissions) add("selfPermissions", `can rewrite its own permissions (${permissions} on its own role ${self})`);
    if (selfCan(["iam:UpdateAssumeRolePolicy"]))
      add("selfTrust", `can rewrite its own trust policy (iam:UpdateAssumeRolePolicy on its own role ${self})`);
    // Setting the very boundary it has changes nothing; setting another, or deleting it, does.
    const replace = [undefined, `arn:aws:iam::${account}:policy/another-boundary`].some((b) =>
      can("iam:PutRolePermissionsBoundary", self, b),
    );
    const lift = selfCan(["iam:DeleteRolePermissionsBoundary"]);
    if (replace || lift)
      add(
        "selfBoundary",
        `can replace or lift its own permissions boundary (${lift ?? "iam:PutRolePermissionsBoundary"} on ${self})`,
      );
  }

  const otherBoundary = `arn:aws:iam::${account}:policy/another-boundary`;
  const roleFallback = `arn:aws:iam::${account}:role/another-role`;
  for (const action of [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
  ]) {
    for (const role of witnesses(docs, action, roleFallback)) {
      if (selfArns.includes(role)) continue;
      const without = [undefined, otherBoundary].findIndex((b) => can(action, role, b));
      if (without >= 0) {
        add(
          "roleWithoutBoundary",
          `can create or change roles without the permissions boundary (${action} on ${role} ${without === 0 ? "with no boundary" : "with another boundary"})`,
        );
      }
    }
  }
  for (const role of witnesses(docs, "iam:DeleteRolePermissionsBoundary", roleFallback))
    if (selfContexts.some((b) => can("iam:DeleteRolePermissionsBoundary", role, b)))
      add("liftBoundary", `can lift a role's permissions boundary (iam:DeleteRolePermissionsBoundary on ${role})`);

  const policyFallback = `arn:aws:iam::${account}:policy/another-policy`;
  for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"]) {
    const targets = new Set([...boundaries, ...witnesses(docs, action, policyFallback)]);
    for (const target of targets)
      if (can(action, target, undefined)) {
        const what = boundaries.includes(target)
          ? "its permissions boundary"
          : "a managed policy, such as one attached to it";
        add("editManagedPolicy", `can rewrite ${what} (${action} on ${target})`);
      }
  }
  const userFallback = `arn:aws:iam::${account}:user/another-user`;
  for (const action of ["iam:CreateAccessKey", "iam:CreateLoginProfile"])
    for (const user of witnesses(docs, action, userFallback))
      if (can(action, user, undefined))
        add("userCredentials", `can mint long-lived credentials (${action} on ${user})`);
  return [...findings.values()];
}
