/**
 * IAM policy documents as typed values, and the one check every role in this program goes through: no statement may
 * allow a bare `*` action or a whole service (`s3:*`). Least privilege is enforced where policies are built, so a
 * component cannot create a role that breaks it.
 */
import * as pulumi from "@pulumi/pulumi";

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

/** Trust policy letting one AWS service assume the role (ECS tasks, EventBridge Scheduler). */
export function serviceTrustPolicy(service: string, sourceAccount?: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        // Confused-deputy guard: only calls made on behalf of this account.
        ...(sourceAccount === undefined ? {} : { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
      },
    ],
  });
}
