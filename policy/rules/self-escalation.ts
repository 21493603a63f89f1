/**
 * Rule family 5: roles that can raise themselves. A role whose own policies let it rewrite its permissions or trust,
 * replace or lift its permissions boundary, create or change roles without the boundary, edit a managed policy it
 * relies on, or mint user keys, is as powerful as the most powerful role it can make. Judged by the evaluator
 * (policy/iam/escalation.ts), resource patterns included: `role/<prefix>-*` covers the role itself. Inline policies
 * are read where they are; AWS managed policies that grant IAM writes (AdministratorAccess, IAMFullAccess) are read
 * from their published documents when a role gets them by ARN.
 */
import { schemaWith } from "../lib/config";
import { Rule } from "../lib/rule";
import { isUnknown } from "../lib/values";
import { violationMessage } from "../lib/violation";
import { analyseEscalation, awsManagedPolicyDocument, EscalationSubject } from "../iam";

const FIX =
  "grant role-management actions only with an iam:PermissionsBoundary condition naming the stack's boundary, deny the role every write on its own ARN and on the boundary policy, and never allow iam:DeleteRolePermissionsBoundary";

/** The policies a resource gives a role, the property they sit at, and the role they belong to. */
interface HeldPolicies {
  path: string;
  policies: unknown[];
  subject: EscalationSubject;
}

const nameOf = (v: unknown) => (typeof v === "string" && !isUnknown(v) ? v : undefined);
const subjectOf = (v: string | undefined): EscalationSubject =>
  v?.startsWith("arn:") ? { roleArn: v } : { roleName: v };
/** The documents of the AWS managed policies among `arns` that the pack knows (AdministratorAccess, IAMFullAccess). */
const managed = (arns: unknown): unknown[] =>
  (Array.isArray(arns) ? arns : []).map(awsManagedPolicyDocument).filter((d) => d !== undefined);

function heldPolicies(type: string, props: Record<string, unknown>): HeldPolicies[] {
  const inline = (list: unknown, field: string) =>
    (Array.isArray(list) ? list : []).map((p) =>
      p && typeof p === "object" ? (p as Record<string, unknown>)[field] : undefined,
    );
  switch (type) {
    case "aws:iam/rolePolicy:RolePolicy":
      return [{ path: "policy", policies: [props.policy], subject: subjectOf(nameOf(props.role)) }];
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
      return [{ path: "policyArn", policies: managed([props.policyArn]), subject: subjectOf(nameOf(props.role)) }];
    case "aws:iam/role:Role": {
      const subject = { roleArn: nameOf(props.arn), roleName: nameOf(props.name) };
      return [
        { path: "inlinePolicies", policies: inline(props.inlinePolicies, "policy"), subject },
        { path: "managedPolicyArns", policies: managed(props.managedPolicyArns), subject },
      ];
    }
    case "aws-native:iam:Role": {
      const subject = { roleArn: nameOf(props.arn), roleName: nameOf(props.roleName) };
      return [
        { path: "policies", policies: inline(props.policies, "policyDocument"), subject },
        { path: "managedPolicyArns", policies: managed(props.managedPolicyArns), subject },
      ];
    }
    default:
      return [];
  }
}

export const selfEscalation: Rule = {
  name: "no-self-escalation",
  description:
    "No role may rewrite its own permissions or trust, lift or edit its permissions boundary, or create roles without the boundary.",
  enforcementLevel: "mandatory",
  configSchema: schemaWith(),
  check({ type, name, props }) {
    return heldPolicies(type, props).flatMap((held) =>
      analyseEscalation(held.policies, held.subject).map((f) =>
        violationMessage(name, type, f.message, FIX, held.path),
      ),
    );
  },
};
