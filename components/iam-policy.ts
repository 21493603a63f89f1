/**
 * IAM policy documents as typed values, and the one check every role in this program goes through: no statement may
 * allow a bare `*` action or a whole service (`s3:*`). Least privilege is enforced where policies are built, so a
 * component cannot create a role that breaks it.
 */
import * as pulumi from "@pulumi/pulumi";

/** Role-management actions that accept the `iam:PermissionsBoundary` condition key (Service Authorization Reference, IAM). */
export const BOUNDARY_CONDITIONED_ACTIONS = [
  "iam:CreateRole",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
];

/** Every action that changes a role: denied on the deploy role's own ARN. */
export const ROLE_WRITE_ACTIONS = [
  ...BOUNDARY_CONDITIONED_ACTIONS,
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:DeleteRolePermissionsBoundary",
  "iam:TagRole",
  "iam:UntagRole",
];

/** Actions that change a managed policy: denied on the boundary. */
export const POLICY_WRITE_ACTIONS = [
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:TagPolicy",
  "iam:UntagPolicy",
];

export type ConditionBlock = Record<string, Record<string, pulumi.Input<string | number | boolean | string[]>>>;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Resource: pulumi.Input<string> | pulumi.Input<string>[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: PolicyStatement[];
}

/** Throws when an Allow statement grants `*` or `service:*`; `where` names the role or policy in the message. */
export function assertLeastPrivilege(where: string, statements: readonly PolicyStatement[]): void {
  for (const statement of statements) {
    if (statement.Effect !== "Allow") continue;
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    if (actions.length === 0) throw new Error(`${where}: statement ${statement.Sid ?? "(no Sid)"} allows no action`);
    for (const action of actions) {
      if (action === "*" || /^[a-z0-9-]+:\*$/i.test(action)) {
        throw new Error(
          `${where}: statement ${statement.Sid ?? "(no Sid)"} allows "${action}"; list the actions the role needs`,
        );
      }
    }
  }
}

/** A policy document JSON string (an Output, because resources in statements are usually Outputs). */
export function policyJson(where: string, statements: readonly PolicyStatement[]): pulumi.Output<string> {
  assertLeastPrivilege(where, statements);
  return pulumi.jsonStringify(pulumi.output({ Version: "2012-10-17", Statement: statements }));
}

/**
 * Trust policy letting one AWS service assume the role (ECS tasks, EventBridge Scheduler), with the confused-deputy
 * guard AWS recommends: the service may assume it only on behalf of this account (`aws:SourceAccount`) and, for the
 * resources given, only for them (`aws:SourceArn`, ArnLike). ("The confused deputy problem", IAM User Guide,
 * confused-deputy.html; "Task IAM role", Amazon ECS Developer Guide; "Set up the execution role", EventBridge
 * Scheduler User Guide.)
 */
export function serviceTrustPolicy(
  service: string,
  source: { account: pulumi.Input<string>; arnLike: pulumi.Input<string> },
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": source.account },
          ArnLike: { "aws:SourceArn": source.arnLike },
        },
      },
    ],
  });
}
