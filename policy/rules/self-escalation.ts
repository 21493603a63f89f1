/**
 * Rule family 5: roles that can raise themselves. A role whose own policies let it rewrite its permissions or trust,
 * replace or lift its permissions boundary, create or change roles without the boundary, edit a managed policy it
 * relies on, or mint user keys, is as powerful as the most powerful role it can make. Judged by the evaluator
 * (policy/iam/escalation.ts), resource patterns included: `role/<prefix>-*` covers the role itself.
 */
import { schemaWith } from "../lib/config";
import { Rule } from "../lib/rule";
import { isUnknown } from "../lib/values";
import { violationMessage } from "../lib/violation";
import { analyseEscalation, EscalationSubject } from "../iam";

const FIX =
  "grant role-management actions only with an iam:PermissionsBoundary condition naming the stack's boundary, deny the role every write on its own ARN and on the boundary policy, and never allow iam:DeleteRolePermissionsBoundary";

/** The inline policies a resource holds, the property they sit at, and the role they belong to. */
function inlinePolicies(
  type: string,
  props: Record<string, unknown>,
): { path: string; policies: unknown[]; subject: EscalationSubject } | undefined {
  const name = (v: unknown) => (typeof v === "string" && !isUnknown(v) ? v : undefined);
  const asArn = (v: string | undefined): EscalationSubject =>
    v?.startsWith("arn:") ? { roleArn: v } : { roleName: v };
  switch (type) {
    case "aws:iam/rolePolicy:RolePolicy":
      return { path: "policy", policies: [props.policy], subject: asArn(name(props.role)) };
    case "aws:iam/role:Role": {
      const list = Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
      return {
        path: "inlinePolicies",
        policies: list.map((p) => (p && typeof p === "object" ? (p as Record<string, unknown>).policy : undefined)),
        subject: { roleArn: name(props.arn), roleName: name(props.name) },
      };
    }
    case "aws-native:iam:Role": {
      const list = Array.isArray(props.policies) ? props.policies : [];
      return {
        path: "policies",
        policies: list.map((p) =>
          p && typeof p === "object" ? (p as Record<string, unknown>).policyDocument : undefined,
        ),
        subject: { roleArn: name(props.arn), roleName: name(props.roleName) },
      };
    }
    default:
      return undefined;
  }
}

export const selfEscalation: Rule = {
  name: "no-self-escalation",
  description:
    "No role may rewrite its own permissions or trust, lift or edit its permissions boundary, or create roles without the boundary.",
  enforcementLevel: "mandatory",
  configSchema: schemaWith(),
  check({ type, name, props }) {
    const found = inlinePolicies(type, props);
    if (!found) return [];
    return analyseEscalation(found.policies, found.subject).map((f) =>
      violationMessage(name, type, f.message, FIX, found.path),
    );
  },
};
