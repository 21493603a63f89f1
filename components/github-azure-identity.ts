/**
 * GitHub Actions -> Azure: an Entra identity that GitHub's OIDC token can sign in as, with one federated identity
 * credential per subject and role assignments at the scopes the caller gives.
 *
 * A user-assigned managed identity is the default because it cannot hold a secret at all; an app registration with
 * a service principal is available for targets that need one. Either way no password or certificate is created.
 */
import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as authorization from "@pulumi/azure-native/authorization";
import { Application } from "@pulumi/azuread/application";
import { ApplicationFederatedIdentityCredential } from "@pulumi/azuread/applicationFederatedIdentityCredential";
import { ApplicationFlexibleFederatedIdentityCredential } from "@pulumi/azuread/applicationFlexibleFederatedIdentityCredential";
import { ServicePrincipal } from "@pulumi/azuread/servicePrincipal";
import {
  AZURE_TOKEN_EXCHANGE_AUDIENCE,
  buildSubjects,
  GitHubRepositoryRef,
  githubIssuerUrl,
  MAX_FEDERATED_CREDENTIALS,
  SubjectFilter,
  subjectFilterLabel,
  workflowPinnedExpression,
} from "./github-subjects";
import { AZURE_ROLES, CONDITION_VERSION, roleDefinitionResourceId } from "./azure-rbac";
import { assertCredentialsAdmitOnlyTheirSubjects } from "./trust-checks";
import { checkGuid, withField } from "./validation";

/** Built-in Azure role definition IDs (public, identical in every tenant); permissions in `azure-rbac.ts`. */
export const AZURE_BUILTIN_ROLES = {
  Reader: AZURE_ROLES.Reader.id,
  Contributor: AZURE_ROLES.Contributor.id,
  RoleBasedAccessControlAdministrator: AZURE_ROLES.RoleBasedAccessControlAdministrator.id,
} as const;

export type IdentityKind = "managedIdentity" | "application";

export interface AzureRoleAssignmentSpec {
  /** Role definition GUID, e.g. `AZURE_BUILTIN_ROLES.Reader`. */
  readonly roleDefinitionId: string;
  /** Scope; default the resource group the identity lives in. A subscription scope must be given explicitly. */
  readonly scope?: pulumi.Input<string>;
  /** ABAC condition (version 2.0) limiting the assignment, e.g. `constrainedRoleAssignmentCondition`. Default none. */
  readonly condition?: pulumi.Input<string>;
  /** Why the assignment exists, shown in the portal. Default none. */
  readonly description?: string;
}

export interface GitHubActionsIdentityArgs {
  readonly repository: GitHubRepositoryRef;
  /** GitHub Enterprise slug with a custom issuer. Default none. */
  readonly enterpriseSlug?: string;
  /** Default `managedIdentity` (cannot hold a secret); `application` creates an app registration and service principal. */
  readonly kind?: IdentityKind;
  /** One federated credential per subject; at most 20. Entra matches subjects exactly, so no wildcards. */
  readonly subjects: readonly SubjectFilter[];
  readonly subscriptionId: string;
  /** Existing resource group that holds the managed identity and is the default role-assignment scope. */
  readonly resourceGroupName: string;
  /** Azure region of the managed identity. */
  readonly location: pulumi.Input<string>;
  /**
   * Pin `job_workflow_ref` as well as `sub`, as the AWS deploy role does: each subject and workflow ref become a
   * flexible federated credential `claims['sub'] eq '<subject>' and claims['job_workflow_ref'] eq '<ref>'` (`matches`
   * for a ref with a wildcard; Entra supports both claims for GitHub's issuer, and no `or`, hence one credential per
   * pair). Needs `kind: "application"`: the managed-identity credential of @pulumi/azure-native 3.x has no
   * claimsMatchingExpression. Default none.
   */
  readonly jobWorkflowRefs?: readonly string[];
  /** Role assignments. Default: none (the caller decides; never subscription Contributor by default). */
  readonly roleAssignments?: readonly AzureRoleAssignmentSpec[];
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class GitHubActionsIdentity extends pulumi.ComponentResource {
  /** Client (application) ID that `azure/login` takes as `client-id`. */
  public readonly clientId: pulumi.Output<string>;
  /** Object ID of the service principal behind the identity. */
  public readonly principalId: pulumi.Output<string>;
  /** The exact subjects trusted, one federated credential each. */
  public readonly subjects: string[];

  constructor(name: string, args: GitHubActionsIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerosecrets:azure:GitHubActionsIdentity", name, args, opts);

    checkGuid("subscriptionId", args.subscriptionId);
    const built = withField("subjects", () => buildSubjects(args.repository, args.subjects));
    const pattern = built.find((s) => s.wildcard);
    if (pattern !== undefined) {
      throw new Error(
        `subjects: "${pattern.value}" contains a wildcard, but Entra matches federated subjects exactly; list each subject`,
      );
    }
    const credentialCount = built.length * Math.max(1, args.jobWorkflowRefs?.length ?? 0);
    if (credentialCount > MAX_FEDERATED_CREDENTIALS) {
      throw new Error(
        `subjects: ${built.length} subjects${args.jobWorkflowRefs?.length ? ` x ${args.jobWorkflowRefs.length} workflow refs` : ""} need ${credentialCount} federated credentials, but Entra allows at most ${MAX_FEDERATED_CREDENTIALS} per identity`,
      );
    }
    const kind = args.kind ?? "managedIdentity";
    const workflowRefs = args.jobWorkflowRefs ?? [];
    if (workflowRefs.length > 0) {
      for (const [i, ref] of workflowRefs.entries()) {
        if (!/^[^/\s']+\/[^/\s']+\/\.github\/workflows\/[^@\s']+@refs\/[^\s']+$/.test(ref)) {
          throw new pulumi.ResourceError(
            `jobWorkflowRefs[${i}]: "${ref}" must look like OWNER/REPO/.github/workflows/FILE@refs/heads/BRANCH`,
            this,
          );
        }
      }
      if (kind !== "application") {
        throw new pulumi.ResourceError(
          'jobWorkflowRefs: pinning the workflow needs flexible federated credentials, which only kind "application" can hold here; set kind (zerosecrets:azure.identityKind) to "application"',
          this,
        );
      }
    }
    for (const [i, assignment] of (args.roleAssignments ?? []).entries()) {
      checkGuid(`roleAssignments[${i}].roleDefinitionId`, assignment.roleDefinitionId);
    }
    this.subjects = built.map((s) => s.value);
    const issuer = githubIssuerUrl(args.enterpriseSlug);
    const labels = args.subjects.map(subjectFilterLabel);
    // The pack's own judgement of each credential, before anything is registered.
    assertCredentialsAdmitOnlyTheirSubjects(
      "subjects",
      this.subjects.flatMap((subject) =>
        workflowRefs.length === 0
          ? [{ issuer, subject }]
          : workflowRefs.map((jobWorkflowRef) => ({ issuer, subject, jobWorkflowRef })),
      ),
      args.subjects.some((f) => f.kind === "pullRequest"),
    );

    if (kind === "managedIdentity") {
      const identity = new managedidentity.UserAssignedIdentity(
        `${name}-identity`,
        { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
        { parent: this },
      );
      // Entra rejects concurrent writes of federated credentials on one managed identity: chain them.
      let previous: pulumi.Resource | undefined;
      this.subjects.forEach((subject, i) => {
        previous = new managedidentity.FederatedIdentityCredential(
          `${name}-fic-${labels[i]}`,
          {
            resourceGroupName: args.resourceGroupName,
            resourceName: identity.name,
            issuer,
            subject,
            audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
          },
          { parent: this, dependsOn: previous === undefined ? [] : [previous] },
        );
      });
      this.clientId = identity.clientId;
      this.principalId = identity.principalId;
    } else {
      const application = new Application(`${name}-app`, { displayName: name }, { parent: this });
      const servicePrincipal = new ServicePrincipal(`${name}-sp`, { clientId: application.clientId }, { parent: this });
      this.subjects.forEach((subject, i) => {
        if (workflowRefs.length > 0) {
          workflowRefs.forEach((ref, j) => {
            const suffix = workflowRefs.length === 1 ? "" : `-${j}`;
            new ApplicationFlexibleFederatedIdentityCredential(
              `${name}-fic-${labels[i]}${suffix}`,
              {
                applicationId: application.id,
                displayName: `github-${labels[i]}${suffix}`,
                description: `GitHub Actions: ${subject}, workflow ${ref}`,
                issuer,
                audience: AZURE_TOKEN_EXCHANGE_AUDIENCE,
                claimsMatchingExpression: workflowPinnedExpression(subject, ref),
              },
              { parent: this },
            );
          });
          return;
        }
        new ApplicationFederatedIdentityCredential(
          `${name}-fic-${labels[i]}`,
          {
            applicationId: application.id,
            displayName: `github-${labels[i]}`,
            description: `GitHub Actions: ${subject}`,
            issuer,
            subject,
            audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
          },
          { parent: this },
        );
      });
      this.clientId = application.clientId;
      this.principalId = servicePrincipal.objectId;
    }
    const resourceGroupScope = `/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}`;
    (args.roleAssignments ?? []).forEach((assignment, i) => {
      new authorization.RoleAssignment(
        `${name}-role-${i}`,
        {
          principalId: this.principalId,
          // Managed identities and app registrations both sign in as service principals.
          principalType: "ServicePrincipal",
          roleDefinitionId: roleDefinitionResourceId(args.subscriptionId, assignment.roleDefinitionId),
          scope: assignment.scope ?? resourceGroupScope,
          description: assignment.description,
          ...(assignment.condition === undefined
            ? {}
            : { condition: assignment.condition, conditionVersion: CONDITION_VERSION }),
        },
        { parent: this },
      );
    });

    this.registerOutputs({ clientId: this.clientId, principalId: this.principalId, subjects: this.subjects });
  }
}
