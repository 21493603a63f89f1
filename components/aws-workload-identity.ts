/**
 * AWS workload -> Azure: the sync task's IAM role signs in to Entra with a JWT from STS `GetWebIdentityToken`
 * (AWS outbound identity federation), exchanged through a federated identity credential on a user-assigned managed
 * identity. The identity holds one Microsoft Graph application permission, granted by app role assignment.
 *
 * No secret exists on either side: the managed identity cannot hold one, and the task role only gets short-lived
 * tokens whose audience, algorithm and lifetime its policy pins (see `sync-task.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { AppRoleAssignment } from "@pulumi/azuread/appRoleAssignment";
import { getServicePrincipalOutput } from "@pulumi/azuread/getServicePrincipal";
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from "./github-subjects";

/** Microsoft Graph's application ID (the same in every tenant). */
export const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** `Sites.Selected` reaches only the sites an administrator grants; `Files.Read.All` reads every file in the tenant. */
export type GraphPermission = "Sites.Selected" | "Files.Read.All";

/** Issuer URLs AWS outbound federation hands out. */
export const AWS_OUTBOUND_ISSUER_PATTERN = /^https:\/\/[0-9a-f-]{36}\.tokens\.sts\.global\.api\.aws$/;

export interface AwsWorkloadIdentityArgs {
  /** ARN of the IAM role whose tokens are trusted: the `sub` of the STS-issued JWT. */
  readonly taskRoleArn: pulumi.Input<string>;
  /**
   * The account's outbound issuer URL when federation is already enabled (it is one setting per account).
   * Default: enable it here with `aws.iam.OutboundWebIdentityFederation`.
   */
  readonly existingIssuerUrl?: string;
  /** Existing resource group for the managed identity. */
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** Graph application permission. Default `Sites.Selected`. */
  readonly graphPermission?: GraphPermission;
  /** Must be true to grant `Files.Read.All` (tenant-wide read). Default false. */
  readonly allowTenantWideRead?: boolean;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AwsWorkloadIdentity extends pulumi.ComponentResource {
  /** The account's outbound issuer (`https://<uuid>.tokens.sts.global.api.aws`). */
  public readonly issuerUrl: pulumi.Output<string>;
  /** Client ID the worker passes to Entra (`AZURE_CLIENT_ID`). */
  public readonly clientId: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;
  public readonly graphPermission: GraphPermission;

  constructor(name: string, args: AwsWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerosecrets:azure:AwsWorkloadIdentity", name, args, opts);

    this.graphPermission = args.graphPermission ?? "Sites.Selected";
    if (this.graphPermission === "Files.Read.All" && args.allowTenantWideRead !== true) {
      throw new Error(
        'graphPermission "Files.Read.All" reads every file in the tenant; prefer "Sites.Selected", or set allowTenantWideRead: true',
      );
    }
    if (args.existingIssuerUrl !== undefined && !AWS_OUTBOUND_ISSUER_PATTERN.test(args.existingIssuerUrl)) {
      throw new Error(
        `existingIssuerUrl "${args.existingIssuerUrl}" is not an AWS outbound issuer (https://<uuid>.tokens.sts.global.api.aws)`,
      );
    }

    if (args.existingIssuerUrl !== undefined) {
      this.issuerUrl = pulumi.output(args.existingIssuerUrl);
    } else {
      const federation = new iam.OutboundWebIdentityFederation(`${name}-outbound-federation`, {}, { parent: this });
      this.issuerUrl = federation.issuerIdentifier;
    }

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    new managedidentity.FederatedIdentityCredential(
      `${name}-fic-task-role`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: identity.name,
        issuer: this.issuerUrl,
        // Entra compares the subject exactly: the role ARN STS writes into `sub`.
        subject: args.taskRoleArn,
        audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
      },
      { parent: this },
    );

    const graph = getServicePrincipalOutput({ clientId: MICROSOFT_GRAPH_APP_ID }, { parent: this });
    const permission = this.graphPermission;
    new AppRoleAssignment(
      `${name}-graph-${permission.toLowerCase().replace(/\./g, "-")}`,
      {
        appRoleId: graph.appRoleIds.apply((ids) => {
          const id = ids[permission];
          if (id === undefined) throw new Error(`Microsoft Graph has no application permission "${permission}"`);
          return id;
        }),
        principalObjectId: identity.principalId,
        resourceObjectId: graph.objectId,
      },
      { parent: this },
    );

    this.clientId = identity.clientId;
    this.principalId = identity.principalId;
    this.registerOutputs({ issuerUrl: this.issuerUrl, clientId: this.clientId, principalId: this.principalId });
  }
}
