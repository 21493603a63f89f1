/**
 * The zero-secrets stack: every trust relationship between GitHub Actions, AWS and Azure, and the SharePoint sync
 * task, built from public identifiers only. This file only composes: config is read and validated once in
 * `components/config.ts`, and each trust chain lives in its own component.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsWorkloadIdentity } from "./components/aws-workload-identity";
import { AZURE_ROLES, constrainedRoleAssignmentCondition } from "./components/azure-rbac";
import { deploySubjectFilters, loadStackConfig } from "./components/config";
import { GitHubActionsOidc } from "./components/github-aws-oidc";
import { GitHubActionsIdentity } from "./components/github-azure-identity";
import { buildJobWorkflowRefs, type JobWorkflowPin } from "./components/github-subjects";
import { deployRoleSpec, previewRoleSpec, stackBoundaryArn } from "./components/github-roles";
import { PermissionsBoundary } from "./components/permissions-boundary";
import { ActionsVariables } from "./components/github-variables";
import { SyncAlarms } from "./components/sync-alarms";
import { siteLabel, SyncTask } from "./components/sync-task";

const config = loadStackConfig();
const prefix = `zs-${config.stack}`;
const tags = { project: "zero-secrets", stack: config.stack };
const deploySubjects = deploySubjectFilters(config);
// Every role of the stack carries a permissions boundary (ADR 0002): the one the stack file names, or the stack's own.
const boundaryArn = stackBoundaryArn(config.aws.accountId, prefix, config.aws.permissionsBoundaryArn);
const boundary: pulumi.Input<string> =
  config.aws.permissionsBoundaryArn ??
  new PermissionsBoundary(`${prefix}-boundary`, {
    accountId: config.aws.accountId,
    region: config.region,
    namePrefix: prefix,
    stateBucket: config.aws.stateBucket,
    tags,
  }).arn;
const scope = {
  accountId: config.aws.accountId,
  region: config.region,
  namePrefix: prefix,
  stateBucket: config.aws.stateBucket,
  permissionsBoundaryArn: boundaryArn,
  secretsKeyId: config.aws.secretsKeyId,
};
const environment = config.github.environments[config.environment]!;
// job_workflow_ref pins: deployments run the pinned workflows from the environment's branches; previews run them
// in a pull request (`refs/pull/<N>/merge`, the caller's ref of a called workflow).
const { deploy: deployWorkflows, preview: previewWorkflows } = config.github.jobWorkflows;
const deployPin: JobWorkflowPin | undefined = deployWorkflows && {
  workflows: deployWorkflows,
  refs: environment.branches.map((branch) => ({ kind: "branch" as const, branch })),
};
const previewPin: JobWorkflowPin | undefined = previewWorkflows && {
  workflows: previewWorkflows,
  refs: [{ kind: "pullRequest" as const }],
};
// Entra pins them too, with flexible credentials (the schema requires an app registration when workflows are pinned).
const azurePins = (pin: JobWorkflowPin | undefined) =>
  pin === undefined ? undefined : buildJobWorkflowRefs(config.github, pin).map((ref) => ref.value);

// GitHub Actions -> AWS: a read-only preview role for pull requests, a deploy role for this stack's environment.
const githubAws = new GitHubActionsOidc(`${prefix}-github`, {
  repository: config.github,
  enterpriseSlug: config.github.enterpriseSlug,
  existingProviderArn: config.aws.existingOidcProviderArn,
  roles: [
    previewRoleSpec(scope, previewPin),
    deployRoleSpec(scope, deploySubjects, config.github.allowUnprotectedDeploySubjects, deployPin),
  ],
  pinnedClaims: { repositoryId: config.github.pinRepositoryId },
  maxSessionDuration: config.aws.maxSessionDuration,
  permissionsBoundaryArn: boundary,
  tags,
});

// GitHub Actions -> Azure: the same two kinds of identity, scoped to the stack's resource group.
const azureCommon = {
  repository: config.github,
  enterpriseSlug: config.github.enterpriseSlug,
  kind: config.azure.identityKind,
  subscriptionId: config.azure.subscriptionId,
  resourceGroupName: config.azure.resourceGroupName,
  location: config.azure.location,
  tags,
};
// The deploy identity reads the resource group and may assign exactly the roles CI deploys (Reader, to the preview
// identity): Role Based Access Control Administrator under an ABAC condition. It holds no write on identities or
// federated credentials, so CI cannot add a credential to the sync identity (which holds a Graph permission); those
// resources, the Entra-level grants and these assignments themselves change only from an administrator's session.
const azurePreview = new GitHubActionsIdentity(`${prefix}-azure-preview`, {
  ...azureCommon,
  subjects: [{ kind: "pullRequest" }],
  jobWorkflowRefs: azurePins(previewPin),
  roleAssignments: [{ roleDefinitionId: AZURE_ROLES.Reader.id, description: "pulumi preview: read the stack" }],
});
const azureDeploy = new GitHubActionsIdentity(`${prefix}-azure-deploy`, {
  ...azureCommon,
  subjects: deploySubjects,
  jobWorkflowRefs: azurePins(deployPin),
  roleAssignments: [
    { roleDefinitionId: AZURE_ROLES.Reader.id, description: "pulumi up: read the stack" },
    {
      roleDefinitionId: AZURE_ROLES.RoleBasedAccessControlAdministrator.id,
      description: "pulumi up: assign Reader to the preview identity, and nothing else",
      condition: azurePreview.principalId.apply((principal) =>
        constrainedRoleAssignmentCondition([AZURE_ROLES.Reader.id], [principal]),
      ),
    },
  ],
});

// The sync task needs the Entra client ID, and the Entra credential needs the task role ARN: the deferred output
// breaks the cycle without either component knowing about the other.
const [syncClientId, resolveSyncClientId] = pulumi.deferredOutput<string>();
const sync = new SyncTask(`${prefix}-sync`, {
  siteIds: config.sync.siteIds,
  azureTenantId: config.azure.tenantId,
  azureClientId: syncClientId,
  region: config.region,
  accountId: config.aws.accountId,
  permissionsBoundaryArn: boundary,
  imageTag: config.workerImageTag,
  scheduleExpression: config.sync.scheduleExpression,
  existingClusterArn: config.sync.existingClusterArn,
  subnetIds: config.sync.subnetIds,
  securityGroupIds: config.sync.securityGroupIds,
  assignPublicIp: config.sync.assignPublicIp,
  fargateSpot: config.sync.fargateSpot,
  cpu: config.sync.cpu,
  memory: config.sync.memory,
  logRetentionDays: config.sync.logRetentionDays,
  noncurrentVersionDays: config.sync.noncurrentVersionDays,
  graphBaseUrl: config.sync.graphBaseUrl,
  orchestration: config.sync.orchestration,
  chunking: config.sync.chunking,
  fanOut: config.sync.fanOut,
  tags,
});
const workload = new AwsWorkloadIdentity(`${prefix}-workload`, {
  taskRoleArn: sync.taskRoleArn,
  existingIssuerUrl: config.sync.existingIssuerUrl,
  resourceGroupName: config.azure.resourceGroupName,
  location: config.azure.location,
  graphPermission: config.sync.graphPermission,
  allowTenantWideRead: config.sync.allowTenantWideRead,
  tags,
});
resolveSyncClientId(workload.clientId);

// What operators see: alarms to an SNS topic and a dashboard (docs/operations.md).
const alarms = new SyncAlarms(`${prefix}-ops`, {
  siteIds: config.sync.siteIds,
  siteLabel,
  region: config.region,
  clusterArn: sync.clusterArn,
  taskDefinitionFamilyArn: sync.taskDefinitionFamilyArn,
  scheduleExpression: config.sync.scheduleExpression,
  intervalMinutes: config.sync.alarms.intervalMinutes,
  missedIntervals: config.sync.alarms.missedIntervals,
  spotInterruptionsPerDay: config.sync.alarms.spotInterruptionsPerDay,
  fargateSpot: config.sync.fargateSpot,
  stateMachineArns: sync.stateMachineArns,
  topicArn: config.sync.alarms.topicArn,
  eventRetentionDays: config.sync.logRetentionDays,
  tags,
});

// Public IDs for the workflows, as Actions variables (never secrets).
const sharedIds: Record<string, string> = {
  AWS_REGION: config.region,
  AZURE_TENANT_ID: config.azure.tenantId,
  AZURE_SUBSCRIPTION_ID: config.azure.subscriptionId,
};
if (config.aws.stateBucket !== undefined) {
  sharedIds.PULUMI_BACKEND_URL = `s3://${config.aws.stateBucket}?region=${config.region}`;
}
// Managing environments and variables needs a GitHub token with administration rights (GITHUB_TOKEN cannot), so a
// stack deployed from CI without one can leave the repository settings to an administrator's run.
if (config.github.manageRepositorySettings) {
  new ActionsVariables(`${prefix}-actions`, {
    repository: config.github.repository,
    environments: [{ name: config.environment, branches: environment.branches, reviewers: environment.reviewers }],
    environmentVariables: {
      [config.environment]: {
        ...sharedIds,
        AWS_DEPLOY_ROLE_ARN: githubAws.roleArns.deploy!,
        AZURE_DEPLOY_CLIENT_ID: azureDeploy.clientId,
      },
    },
    // Pull-request jobs run without an environment, so the preview IDs are repository variables; only one stack
    // should own them (publishRepositoryVariables).
    repositoryVariables: config.github.publishRepositoryVariables
      ? {
          ...sharedIds,
          AWS_PREVIEW_ROLE_ARN: githubAws.roleArns.preview!,
          AZURE_PREVIEW_CLIENT_ID: azurePreview.clientId,
        }
      : undefined,
    subjectClaimKeys: config.github.subjectClaimKeys,
    // No workflow opens or approves pull requests (the deploy workflow pushes the commit's image itself), and every
    // job asks for the permissions it needs: both repository settings stay at GitHub's safe defaults, managed here
    // so that nobody turns them on by hand. Repository-wide, so the stack that owns the repository variables owns it.
    workflowPermissions: config.github.publishRepositoryVariables
      ? { defaultPermissions: "read", actionsCreatePullRequests: false }
      : undefined,
  });
}

export const githubOidcProviderArn = githubAws.providerArn;
export const awsPreviewRoleArn = githubAws.roleArns.preview;
export const awsDeployRoleArn = githubAws.roleArns.deploy;
export const azureDeployClientId = azureDeploy.clientId;
export const azurePreviewClientId = azurePreview.clientId;
export const azureSyncClientId = workload.clientId;
export const outboundIssuerUrl = workload.issuerUrl;
export const taskRoleArn = sync.taskRoleArn;
export const tableNames = sync.tableNames;
export const contentBucket = sync.bucketName;
export const ecrRepositoryUrl = sync.repositoryUrl;
export const clusterArn = sync.clusterArn;
export const scheduleNames = sync.scheduleNames;
export const stateMachineArns = sync.stateMachineArns;
export const alarmTopicArn = alarms.topicArn;
export const dashboardName = alarms.dashboardName;
/** The image tag the schedules run (the deploy workflow passes the commit's); undefined until one is pushed. */
export const workerImageTag = config.workerImageTag;
