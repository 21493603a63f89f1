/** An IAM role with its permissions inline: the one shape every role in this program takes. */
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { PolicyStatement, policyJson, ROLE_WRITE_ACTIONS } from "./iam-policy";

export interface RoleWithPolicyArgs {
  readonly description: string;
  readonly assumeRolePolicy: pulumi.Input<string>;
  /** Inline permissions; checked for least privilege before anything is registered. */
  readonly statements: readonly PolicyStatement[];
  readonly maxSessionDuration?: number;
  readonly permissionsBoundary?: pulumi.Input<string>;
  /** Add an explicit Deny of every write on the role itself (ADR 0002). Default false. */
  readonly denyEditingItself?: boolean;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Creates `${name}` (the role) and `${name}-permissions` (its inline policy) under `parent`. */
export function roleWithPolicy(name: string, args: RoleWithPolicyArgs, parent: pulumi.Resource): iam.Role {
  const role = new iam.Role(
    name,
    {
      description: args.description,
      assumeRolePolicy: args.assumeRolePolicy,
      maxSessionDuration: args.maxSessionDuration,
      permissionsBoundary: args.permissionsBoundary,
      tags: args.tags,
    },
    { parent },
  );
  // The role's own ARN exists only once the role does: the inline policy, a separate resource, can name it.
  const self: PolicyStatement[] = args.denyEditingItself
    ? [{ Sid: "DenyEditingItself", Effect: "Deny", Action: ROLE_WRITE_ACTIONS, Resource: role.arn }]
    : [];
  const policy = policyJson(name, [...args.statements, ...self]);
  new iam.RolePolicy(`${name}-permissions`, { role: role.name, policy }, { parent });
  return role;
}
