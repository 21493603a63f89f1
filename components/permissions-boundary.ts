/**
 * The stack's permissions boundary, when its stack file names none (`zerosecrets:aws.permissionsBoundaryArn`): a
 * managed policy with a fixed name, so that its ARN is known before it exists and the deploy role's conditions and
 * Denies can name it.
 *
 * A boundary caps; it grants nothing. This one allows the services the stack uses on the stack's own resources, and
 * carries the same guards as the deploy role (ADR 0002): no role created or changed without this boundary, no
 * boundary lifted, the boundary never edited, the GitHub-trusted roles never written, no long-lived credential
 * created at all. Every role of the stack carries it, so a role the deploy role creates cannot do more than the
 * deploy role could.
 */
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { boundaryGuardStatements, stackBoundaryArn, stackBoundaryName } from "./github-roles";
import { ROLE_WRITE_ACTIONS, type PolicyStatement } from "./iam-policy";

export interface PermissionsBoundaryArgs {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix of the stack (`zs-dev`); the policy is `<prefix>-permissions-boundary`. */
  readonly namePrefix: string;
  /** Self-managed Pulumi state bucket, if any. */
  readonly stateBucket?: string;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The boundary's statements. A role that can create roles can reach everything the boundary allows (it can create
 * a role within the boundary and trust itself), so the boundary is as narrow as the stack: each service on the
 * stack's own resources (its name prefix, region and account), the few account-level actions on `*`. Then the
 * guards, and a Deny of every write on the GitHub-trusted roles (`<prefix>-github-*`): no role under the boundary
 * may change the trust anchors; an administrator does (ADR 0002).
 */
export function permissionsBoundaryStatements(
  args: Pick<PermissionsBoundaryArgs, "accountId" | "region" | "namePrefix" | "stateBucket">,
  boundaryArn: string,
): PolicyStatement[] {
  const { accountId: account, region, namePrefix: p } = args;
  const buckets = [
    `arn:aws:s3:::${p}-*`,
    ...(args.stateBucket === undefined ? [] : [`arn:aws:s3:::${args.stateBucket}`]),
  ];
  return [
    {
      Sid: "StackResources",
      Effect: "Allow",
      Action: ["s3:*", "dynamodb:*", "ecr:*", "ecs:*", "logs:*", "scheduler:*", "iam:*", "sts:*", "kms:*"],
      Resource: [
        ...buckets,
        ...buckets.map((b) => `${b}/*`),
        `arn:aws:dynamodb:${region}:${account}:table/${p}-*`,
        `arn:aws:ecr:${region}:${account}:repository/${p}-*`,
        `arn:aws:ecs:${region}:${account}:cluster/${p}-*`,
        `arn:aws:ecs:${region}:${account}:task-definition/${p}-*`,
        `arn:aws:ecs:${region}:${account}:capacity-provider/*`,
        `arn:aws:logs:${region}:${account}:log-group:*`,
        `arn:aws:scheduler:${region}:${account}:schedule/default/${p}-*`,
        `arn:aws:iam::${account}:role/${p}-*`,
        `arn:aws:iam::${account}:oidc-provider/*`,
        boundaryArn,
        // The stack's secrets provider key: Pulumi decrypts the stack's data key with it.
        `arn:aws:kms:${region}:${account}:key/*`,
      ],
    },
    {
      // Actions IAM authorises on "*" only (no resource-level permission).
      Sid: "AccountLevelActions",
      Effect: "Allow",
      Action: [
        "ecr:GetAuthorizationToken",
        "ecs:RegisterTaskDefinition",
        "ecs:DeregisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
        "iam:EnableOutboundWebIdentityFederation",
        "iam:DisableOutboundWebIdentityFederation",
        "iam:GetOutboundWebIdentityFederationInfo",
        "sts:GetWebIdentityToken",
        "sts:GetCallerIdentity",
      ],
      Resource: "*",
    },
    ...boundaryGuardStatements(boundaryArn),
    {
      Sid: "DenyEditingGitHubRoles",
      Effect: "Deny",
      Action: ROLE_WRITE_ACTIONS,
      Resource: `arn:aws:iam::${account}:role/${p}-github-*`,
    },
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
        policy: JSON.stringify({ Version: "2012-10-17", Statement: permissionsBoundaryStatements(args, expected) }),
        tags: args.tags,
      },
      { parent: this },
    );
    this.arn = policy.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
