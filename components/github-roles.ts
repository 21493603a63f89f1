/**
 * The two kinds of GitHub Actions role a stack creates by default, with permissions listed action by action:
 *
 * - **preview**: trusted by `pull_request` subjects (a PR from any branch), read-only: it can describe what the stack
 *   owns (its own resources only, by name prefix) and read the state backend, and write nothing but the backend's
 *   lock files.
 * - **deploy**: trusted by `environment:<env>` only, so a run must pass the environment's branch rules and reviewers.
 *   It manages the resources this program creates, scoped to the stack's name prefix where AWS allows it, and it
 *   cannot raise itself (ADR 0002): every role it creates or edits must carry the stack's permissions boundary
 *   (`iam:PermissionsBoundary` conditions, backed by an explicit Deny), it may not lift or edit a boundary, and the
 *   component denies it every write on its own role.
 */
import type { GitHubRoleSpec } from "./github-aws-oidc";
import { checkDeploySubjects, type JobWorkflowPin, type SubjectFilter } from "./github-subjects";
import { BOUNDARY_CONDITIONED_ACTIONS, POLICY_WRITE_ACTIONS, type PolicyStatement } from "./iam-policy";

export interface StackScope {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix of every physical resource of the stack (e.g. `zs-dev`). */
  readonly namePrefix: string;
  /** Self-managed Pulumi state bucket, if any. */
  readonly stateBucket?: string;
  /** The permissions boundary every role of the stack carries (see `stackBoundaryArn`). */
  readonly permissionsBoundaryArn: string;
  /** KMS key of the stack's `awskms://` secrets provider, if any (its key ID). */
  readonly secretsKeyId?: string;
}

/** Name of the boundary a stack creates for itself when its stack file names none. */
export function stackBoundaryName(namePrefix: string): string {
  return `${namePrefix}-permissions-boundary`;
}

/** The stack's boundary: the configured one, or the one it creates (its ARN is known before it exists). */
export function stackBoundaryArn(accountId: string, namePrefix: string, configured?: string): string {
  return configured ?? `arn:aws:iam::${accountId}:policy/${stackBoundaryName(namePrefix)}`;
}

/** Read-only role for pull-request previews; `jobWorkflows` pins the workflow files allowed to use it. */
export function previewRoleSpec(scope: StackScope, jobWorkflows?: JobWorkflowPin): GitHubRoleSpec {
  return {
    key: "preview",
    description: "pulumi preview on pull requests: read-only",
    subjects: [{ kind: "pullRequest" }],
    jobWorkflows,
    statements: [
      ...stateBackendStatements(scope, "read"),
      ...secretsProviderStatements(scope),
      ...readStackResourcesStatements(scope),
    ],
  };
}

/**
 * Deploy role for one GitHub environment. `allowUnprotected` lists subject contexts (`ref:refs/heads/main`) the stack
 * file accepts although they bypass the environment's protection; any other branch, tag or pull-request subject is
 * refused. `jobWorkflows` pins the workflow files allowed to use it.
 */
export function deployRoleSpec(
  scope: StackScope,
  subjects: readonly SubjectFilter[],
  allowUnprotected: readonly string[] = [],
  jobWorkflows?: JobWorkflowPin,
): GitHubRoleSpec {
  checkDeploySubjects(subjects, allowUnprotected);
  const { accountId: account, region, namePrefix: p } = scope;
  const boundary = scope.permissionsBoundaryArn;
  return {
    key: "deploy",
    description: `pulumi up from GitHub Actions (${p})`,
    subjects,
    jobWorkflows,
    denyEditingItself: true,
    statements: [
      ...stateBackendStatements(scope, "write"),
      ...secretsProviderStatements(scope),
      ...readStackResourcesStatements(scope),
      {
        // Task definitions have no resource-level permission for describe.
        Sid: "DescribeTaskDefinitions",
        Effect: "Allow",
        Action: "ecs:DescribeTaskDefinition",
        Resource: "*",
      },
      {
        Sid: "StackRolesCarryTheBoundary",
        Effect: "Allow",
        Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
        Resource: `arn:aws:iam::${account}:role/${p}-*`,
        Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
      },
      {
        Sid: "StackRoles",
        Effect: "Allow",
        Action: [
          "iam:DeleteRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
        ],
        Resource: `arn:aws:iam::${account}:role/${p}-*`,
      },
      ...boundaryGuardStatements(boundary),
      {
        Sid: "PassStackRolesToTheirServices",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: `arn:aws:iam::${account}:role/${p}-*`,
        Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "scheduler.amazonaws.com"] } },
      },
      {
        Sid: "GitHubOidcProvider",
        Effect: "Allow",
        Action: [
          "iam:CreateOpenIDConnectProvider",
          "iam:DeleteOpenIDConnectProvider",
          "iam:TagOpenIDConnectProvider",
          "iam:UntagOpenIDConnectProvider",
          "iam:AddClientIDToOpenIDConnectProvider",
          "iam:RemoveClientIDFromOpenIDConnectProvider",
        ],
        Resource: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com*`,
      },
      {
        Sid: "OutboundIdentityFederation",
        Effect: "Allow",
        Action: ["iam:EnableOutboundWebIdentityFederation", "iam:DisableOutboundWebIdentityFederation"],
        Resource: "*",
      },
      {
        Sid: "SyncTables",
        Effect: "Allow",
        Action: [
          "dynamodb:CreateTable",
          "dynamodb:DeleteTable",
          "dynamodb:UpdateTable",
          "dynamodb:UpdateContinuousBackups",
          "dynamodb:TagResource",
          "dynamodb:UntagResource",
        ],
        Resource: `arn:aws:dynamodb:${region}:${account}:table/${p}-*`,
      },
      {
        Sid: "SyncBucket",
        Effect: "Allow",
        Action: [
          "s3:CreateBucket",
          "s3:DeleteBucket",
          "s3:PutBucketTagging",
          "s3:PutBucketPublicAccessBlock",
          "s3:PutEncryptionConfiguration",
          "s3:PutBucketVersioning",
          "s3:PutBucketOwnershipControls",
        ],
        Resource: `arn:aws:s3:::${p}-*`,
      },
      {
        Sid: "WorkerRepository",
        Effect: "Allow",
        Action: [
          "ecr:CreateRepository",
          "ecr:DeleteRepository",
          "ecr:PutImageScanningConfiguration",
          "ecr:PutImageTagMutability",
          "ecr:TagResource",
          "ecr:UntagResource",
          // The deploy job pushes the commit's image with this role before `pulumi up` (and skips a tag that exists).
          "ecr:DescribeImages",
          "ecr:BatchCheckLayerAvailability",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
        ],
        Resource: `arn:aws:ecr:${region}:${account}:repository/${p}-*`,
      },
      { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "SyncLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:PutRetentionPolicy",
          "logs:TagResource",
          "logs:UntagResource",
        ],
        Resource: `arn:aws:logs:${region}:${account}:log-group:${p}-*`,
      },
      {
        Sid: "SyncCluster",
        Effect: "Allow",
        Action: [
          "ecs:CreateCluster",
          "ecs:DeleteCluster",
          "ecs:UpdateCluster",
          "ecs:PutClusterCapacityProviders",
          "ecs:TagResource",
          "ecs:UntagResource",
        ],
        Resource: `arn:aws:ecs:${region}:${account}:cluster/${p}-*`,
      },
      {
        // Task definitions have no resource-level permission for register/deregister.
        Sid: "SyncTaskDefinitions",
        Effect: "Allow",
        Action: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"],
        Resource: "*",
      },
      {
        Sid: "SyncSchedules",
        Effect: "Allow",
        Action: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
        Resource: `arn:aws:scheduler:${region}:${account}:schedule/default/${p}-*`,
      },
    ],
  };
}

/**
 * Describe/Get/List actions the engine's refresh and diff need, on the stack's own resources only (its name prefix,
 * its region and account); nothing that changes or reads data. Listing log groups is account-wide in IAM.
 */
function readStackResourcesStatements(scope: StackScope): PolicyStatement[] {
  const { accountId: account, region, namePrefix: p } = scope;
  return [
    {
      Sid: "DescribeStackRoles",
      Effect: "Allow",
      Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
      Resource: `arn:aws:iam::${account}:role/${p}-*`,
    },
    {
      Sid: "DescribeGitHubProvider",
      Effect: "Allow",
      Action: "iam:GetOpenIDConnectProvider",
      Resource: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com*`,
    },
    {
      Sid: "DescribeStackBoundary",
      Effect: "Allow",
      Action: ["iam:GetPolicy", "iam:GetPolicyVersion"],
      Resource: scope.permissionsBoundaryArn,
    },
    {
      // Account-level settings: no resource-level permission.
      Sid: "DescribeOutboundFederation",
      Effect: "Allow",
      Action: "iam:GetOutboundWebIdentityFederationInfo",
      Resource: "*",
    },
    {
      Sid: "DescribeStackTables",
      Effect: "Allow",
      Action: [
        "dynamodb:DescribeTable",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:ListTagsOfResource",
      ],
      Resource: `arn:aws:dynamodb:${region}:${account}:table/${p}-*`,
    },
    {
      Sid: "DescribeStackBuckets",
      Effect: "Allow",
      Action: [
        "s3:GetBucketTagging",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetBucketLocation",
      ],
      Resource: `arn:aws:s3:::${p}-*`,
    },
    {
      Sid: "DescribeStackRepositories",
      Effect: "Allow",
      Action: ["ecr:DescribeRepositories", "ecr:ListTagsForResource"],
      Resource: `arn:aws:ecr:${region}:${account}:repository/${p}-*`,
    },
    {
      Sid: "DescribeStackLogGroups",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
      Resource: `arn:aws:logs:${region}:${account}:log-group:*`,
    },
    {
      Sid: "DescribeStackClusters",
      Effect: "Allow",
      Action: ["ecs:DescribeClusters", "ecs:DescribeCapacityProviders"],
      Resource: [
        `arn:aws:ecs:${region}:${account}:cluster/${p}-*`,
        `arn:aws:ecs:${region}:${account}:capacity-provider/*`,
      ],
    },
    {
      Sid: "DescribeStackSchedules",
      Effect: "Allow",
      Action: "scheduler:GetSchedule",
      Resource: `arn:aws:scheduler:${region}:${account}:schedule/default/${p}-*`,
    },
  ];
}

/**
 * Explicit Denies that hold whatever else is attached: no role created or changed without the boundary, no boundary
 * lifted, the boundary itself never edited. Shared by the deploy role and the boundary the stack creates.
 */
export function boundaryGuardStatements(boundaryArn: string): PolicyStatement[] {
  return [
    {
      Sid: "DenyRolesWithoutTheBoundary",
      Effect: "Deny",
      Action: BOUNDARY_CONDITIONED_ACTIONS,
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaryArn } },
    },
    {
      Sid: "DenyLiftingBoundaries",
      Effect: "Deny",
      Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
      Resource: "*",
    },
    { Sid: "DenyEditingTheBoundary", Effect: "Deny", Action: POLICY_WRITE_ACTIONS, Resource: boundaryArn },
  ];
}

/**
 * The stack's `awskms://` secrets provider: opening a stack decrypts its data key (`kms:Decrypt`, for previews and
 * deployments alike); only `pulumi stack init`, run once by an administrator, encrypts one (`kms:Encrypt`). Pulumi's
 * cloud secrets manager: `SecretsManagerFromState` calls the keeper's Decrypt, `NewSecretsManager` its Encrypt
 * (pulumi/pulumi, pkg/secrets/cloud/manager.go).
 */
function secretsProviderStatements(scope: StackScope): PolicyStatement[] {
  if (scope.secretsKeyId === undefined) return [];
  return [{ Sid: "StackSecretsProvider", Effect: "Allow", Action: "kms:Decrypt", Resource: secretsKeyArn(scope) }];
}

/** The ARN of the stack's secrets-provider key. */
export function secretsKeyArn(scope: Pick<StackScope, "region" | "accountId" | "secretsKeyId">): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${scope.secretsKeyId}`;
}

/** The self-managed state backend: read for previews (plus lock files), read/write of `.pulumi/` for deploys. */
function stateBackendStatements(scope: StackScope, access: "read" | "write"): PolicyStatement[] {
  if (scope.stateBucket === undefined) return [];
  const bucket = `arn:aws:s3:::${scope.stateBucket}`;
  return [
    { Sid: "StateBackendList", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
    { Sid: "StateBackendRead", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/.pulumi/*` },
    {
      Sid: access === "read" ? "StateBackendLocks" : "StateBackendWrite",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: access === "read" ? `${bucket}/.pulumi/locks/*` : `${bucket}/.pulumi/*`,
    },
  ];
}
