/**
 * The zero-secrets stack: every trust relationship between GitHub Actions, AWS and Azure, and the SharePoint sync
 * task, built from public identifiers only. This file only composes: config is read and validated once in
 * `components/config.ts`, and each trust chain lives in its own component.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsWorkloadIdentity } from "./components/aws-workload-identity";
import { deploySubjectFilters, loadStackConfig } from "./components/config";
import { GitHubActionsOidc } from "./components/github-aws-oidc";
import { AZURE_BUILTIN_ROLES, GitHubActionsIdentity } from "./components/github-azure-identity";
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
};

// GitHub Actions -> AWS: a read-only preview role for pull requests, a deploy role for this stack's environment.
const githubAws = new GitHubActionsOidc(`${prefix}-github`, {
  repository: config.github,
  enterpriseSlug: config.github.enterpriseSlug,
  existingProviderArn: config.aws.existingOidcProviderArn,
  roles: [previewRoleSpec(scope), deployRoleSpec(scope, deploySubjects, config.github.allowUnprotectedDeploySubjects)],
  pinnedClaims: { repositoryId: config.github.pinRepositoryId, jobWorkflowRef: config.github.jobWorkflowRef },
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
const azureDeploy = new GitHubActionsIdentity(`${prefix}-azure-deploy`, {
  ...azureCommon,
  subjects: deploySubjects,
  // Prod parity with the AWS deploy role: the workflow file is pinned too.
  jobWorkflowRefs: config.github.jobWorkflowRef === undefined ? undefined : [config.github.jobWorkflowRef],
  roleAssignments: [{ roleDefinitionId: AZURE_BUILTIN_ROLES.Contributor }],
});
const azurePreview = new GitHubActionsIdentity(`${prefix}-azure-preview`, {
  ...azureCommon,
  subjects: [{ kind: "pullRequest" }],
  roleAssignments: [{ roleDefinitionId: AZURE_BUILTIN_ROLES.Reader }],
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
const environment = config.github.environments[config.environment]!;
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
        ECR_REPOSITORY_URL: sync.repositoryUrl,
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
