/**
 * The stack's permissions boundary, when its stack file names none (`zerosecrets:aws.permissionsBoundaryArn`): a
 * managed policy with a fixed name, so that its ARN is known before it exists and the deploy role's conditions and
 * Denies can name it.
 *
 * A boundary caps; it grants nothing. This one allows the services the stack uses and nothing else, and carries the
 * same guards as the deploy role (ADR 0002): no role created or changed without this boundary, no boundary lifted,
 * the boundary never edited, and no long-lived credential created at all. Every role of the stack carries it, so a
 * role the deploy role creates cannot do more than the deploy role could.
 */
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { boundaryGuardStatements, stackBoundaryArn, stackBoundaryName } from "./github-roles";
import type { PolicyStatement } from "./iam-policy";

/** Services whose actions a role of this stack may ever be given. */
export const BOUNDARY_SERVICES = ["iam", "sts", "s3", "dynamodb", "ecr", "ecs", "logs", "scheduler", "kms"];

export interface PermissionsBoundaryArgs {
  readonly accountId: string;
  /** Name prefix of the stack (`zs-dev`); the policy is `<prefix>-permissions-boundary`. */
  readonly namePrefix: string;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The boundary's statements: a cap by service, then the guards. */
export function permissionsBoundaryStatements(boundaryArn: string): PolicyStatement[] {
  return [
    {
      Sid: "StackServices",
      Effect: "Allow",
      Action: BOUNDARY_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
    },
    ...boundaryGuardStatements(boundaryArn),
    {
      Sid: "DenyLongLivedCredentials",
      Effect: "Deny",
      Action: [
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:CreateServiceSpecificCredential",
        "iam:UploadSSHPublicKey",
        "iam:UploadSigningCertificate",
      ],
      Resource: "*",
    },
  ];
}

export class PermissionsBoundary extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: PermissionsBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerosecrets:aws:PermissionsBoundary", name, args, opts);
    if (!/^[0-9]{12}$/.test(args.accountId))
      throw new pulumi.ResourceError(`accountId "${args.accountId}" is not a 12-digit AWS account ID`, this);
    const expected = stackBoundaryArn(args.accountId, args.namePrefix);
    const policy = new iam.Policy(
      `${name}-policy`,
      {
        name: stackBoundaryName(args.namePrefix),
        description:
          "Permissions boundary of every role of the stack: a cap by service, no escalation, no long-lived credentials",
        // A boundary is a cap: service-wide allows are what it is for (the roles' own policies stay least-privilege).
        policy: JSON.stringify({ Version: "2012-10-17", Statement: permissionsBoundaryStatements(expected) }),
        tags: args.tags,
      },
      { parent: this },
    );
    this.arn = policy.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
