/**
 * The two kinds of GitHub Actions role a stack creates by default, with permissions listed action by action:
 *
 * - **preview**: trusted by `pull_request` subjects (a PR from any branch), read-only: it can describe what the stack
 *   owns and read the state backend, and write nothing but the backend's lock files.
 * - **deploy**: trusted by `environment:<env>` only, so a run must pass the environment's branch rules and reviewers.
 *   It manages the resources this program creates, scoped to the stack's name prefix where AWS allows it.
 */
import type { GitHubRoleSpec } from "./github-aws-oidc";
import type { JobWorkflowPin, SubjectFilter } from "./github-subjects";
import type { PolicyStatement } from "./iam-policy";

export interface StackScope {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix of every physical resource of the stack (e.g. `zs-dev`). */
  readonly namePrefix: string;
  /** Self-managed Pulumi state bucket, if any. */
  readonly stateBucket?: string;
  /** KMS key of the stack's `awskms://` secrets provider, if any (its key ID). */
  readonly secretsKeyId?: string;
}

/** Read-only role for pull-request previews; `jobWorkflows` pins the workflow files allowed to use it. */
export function previewRoleSpec(scope: StackScope, jobWorkflows?: JobWorkflowPin): GitHubRoleSpec {
  return {
    key: "preview",
    description: "pulumi preview on pull requests: read-only",
    subjects: [{ kind: "pullRequest" }],
    jobWorkflows,
    statements: [...stateBackendStatements(scope, "read"), ...secretsProviderStatements(scope), readOnlyStatements()],
  };
}

/** Deploy role for one GitHub environment; `jobWorkflows` pins the workflow files allowed to use it. */
export function deployRoleSpec(
  scope: StackScope,
  subjects: readonly SubjectFilter[],
  jobWorkflows?: JobWorkflowPin,
): GitHubRoleSpec {
  const { accountId: account, region, namePrefix: p } = scope;
  return {
    key: "deploy",
    description: `pulumi up from GitHub Actions (${p})`,
    subjects,
    jobWorkflows,
    statements: [
      ...stateBackendStatements(scope, "write"),
      ...secretsProviderStatements(scope),
      readOnlyStatements(),
      {
        Sid: "StackRoles",
        Effect: "Allow",
        Action: [
          "iam:CreateRole",
          "iam:DeleteRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:PutRolePermissionsBoundary",
        ],
        Resource: `arn:aws:iam::${account}:role/${p}-*`,
      },
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

/** Describe/Get/List actions the engine's refresh and diff need; nothing that changes or reads data. */
function readOnlyStatements(): PolicyStatement {
  return {
    Sid: "DescribeStackResources",
    Effect: "Allow",
    Action: [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:GetOpenIDConnectProvider",
      "iam:GetOutboundWebIdentityFederationInfo",
      "dynamodb:DescribeTable",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:ListTagsOfResource",
      "s3:GetBucketTagging",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetEncryptionConfiguration",
      "s3:GetBucketVersioning",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketLocation",
      "ecr:DescribeRepositories",
      "ecr:ListTagsForResource",
      "logs:DescribeLogGroups",
      "logs:ListTagsForResource",
      "ecs:DescribeClusters",
      "ecs:DescribeTaskDefinition",
      "ecs:DescribeCapacityProviders",
      "scheduler:GetSchedule",
    ],
    Resource: "*",
  };
}

/**
 * The stack's `awskms://` secrets provider: opening a stack decrypts its data key (`kms:Decrypt`, for previews and
 * deployments alike); only `pulumi stack init`, run once by an administrator, encrypts one (`kms:Encrypt`). Pulumi's
 * cloud secrets manager: `SecretsManagerFromState` calls the keeper's Decrypt, `NewSecretsManager` its Encrypt
 * (pulumi/pulumi, pkg/secrets/cloud/manager.go).
 */
function secretsProviderStatements(scope: StackScope): PolicyStatement[] {
  if (scope.secretsKeyId === undefined) return [];
  return [
    {
      Sid: "StackSecretsProvider",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: secretsKeyArn(scope),
    },
  ];
}

/** The ARN of the stack's secrets-provider key. */
export function secretsKeyArn(scope: StackScope): string {
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
