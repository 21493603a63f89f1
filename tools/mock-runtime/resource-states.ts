/**
 * What a real `pulumi up` reports back for the resource types whose outputs flow into other resources here (ARNs
 * into trust policies, client IDs into container environments, the outbound issuer into a federated credential),
 * written by hand so they look exactly like the real thing. Every other type gets outputs shaped from its SDK's type
 * information (`resource-outputs.ts`).
 *
 * Every generated value is derived from a hash of the resource's type and name: two runs give the same IDs.
 */
import type { MockEnvironment } from "./environment";
import { digest, physicalName, stableGuid } from "./stable-values";

export interface MockResourceInput {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** The state a provider would return for a new resource of a type listed here, or undefined. */
export function knownResourceState(
  env: MockEnvironment,
  r: MockResourceInput,
): { id: string; state: Record<string, unknown> } | undefined {
  const { accountId: account, region, partition } = env;
  const inputs = r.inputs;
  const str = (key: string): string | undefined =>
    typeof inputs[key] === "string" ? (inputs[key] as string) : undefined;
  const phys = (key: string) => str(key) ?? physicalName(r.name, r.type);
  const withId = (id: string, computed: Record<string, unknown>) => ({ id, state: { ...inputs, ...computed } });

  switch (r.type) {
    case "aws:iam/role:Role": {
      const name = phys("name");
      const uniqueId = `AROA${digest(r.name).slice(0, 17).toUpperCase()}`;
      return withId(name, { name, arn: `arn:${partition}:iam::${account}:role/${name}`, uniqueId });
    }
    case "aws:iam/policy:Policy": {
      const name = phys("name");
      const arn = `arn:${partition}:iam::${account}:policy${str("path") ?? "/"}${name}`;
      return withId(arn, { name, arn, policyId: `ANPA${digest(r.name).slice(0, 17).toUpperCase()}` });
    }
    case "aws:iam/rolePolicy:RolePolicy": {
      const name = phys("name");
      return withId(`${String(inputs.role)}:${name}`, { name });
    }
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
      const url = String(inputs.url ?? "").replace(/^https:\/\//, "");
      const arn = `arn:${partition}:iam::${account}:oidc-provider/${url}`;
      return withId(arn, { arn });
    }
    case "aws:iam/outboundWebIdentityFederation:OutboundWebIdentityFederation":
      return withId(account, {
        issuerIdentifier: `https://${stableGuid(account, "outbound")}.tokens.sts.global.api.aws`,
      });
    case "aws:dynamodb/table:Table": {
      const name = phys("name");
      return withId(name, {
        name,
        arn: `arn:${partition}:dynamodb:${region}:${account}:table/${name}`,
        streamArn: "",
      });
    }
    case "aws:s3/bucket:Bucket": {
      const bucket = phys("bucket");
      return withId(bucket, {
        bucket,
        arn: `arn:${partition}:s3:::${bucket}`,
        bucketRegionalDomainName: `${bucket}.s3.${region}.${env.dnsSuffix}`,
        region,
      });
    }
    case "aws:ecr/repository:Repository": {
      const name = phys("name");
      return withId(name, {
        name,
        arn: `arn:${partition}:ecr:${region}:${account}:repository/${name}`,
        registryId: account,
        repositoryUrl: `${account}.dkr.ecr.${region}.${env.dnsSuffix}/${name}`,
      });
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const name = phys("name");
      return withId(name, { name, arn: `arn:${partition}:logs:${region}:${account}:log-group:${name}` });
    }
    case "aws:ecs/cluster:Cluster": {
      const name = phys("name");
      const arn = `arn:${partition}:ecs:${region}:${account}:cluster/${name}`;
      return withId(arn, { name, arn });
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const base = `arn:${partition}:ecs:${region}:${account}:task-definition/${String(inputs.family)}`;
      return withId(String(inputs.family), { arn: `${base}:1`, arnWithoutRevision: base, revision: 1 });
    }
    case "aws:scheduler/schedule:Schedule": {
      const name = phys("name");
      return withId(`default/${name}`, {
        name,
        groupName: "default",
        arn: `arn:${partition}:scheduler:${region}:${account}:schedule/default/${name}`,
      });
    }
    case "aws:sfn/stateMachine:StateMachine": {
      const name = phys("name");
      const arn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
      return withId(arn, { name, arn });
    }
    case "aws:sqs/queue:Queue": {
      const name = phys("name");
      const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      return withId(url, { name, url, arn: `arn:${partition}:sqs:${region}:${account}:${name}` });
    }
    case "aws:ecs/service:Service": {
      const name = phys("name");
      return withId(name, { name });
    }
    case "aws:sns/topic:Topic": {
      const name = phys("name");
      const arn = `arn:${partition}:sns:${region}:${account}:${name}`;
      return withId(arn, { name, arn });
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
    case "aws:cloudwatch/dashboard:Dashboard":
    case "aws:cloudwatch/eventRule:EventRule": {
      const isDashboard = r.type.endsWith("Dashboard");
      const name = phys(isDashboard ? "dashboardName" : "name");
      const kind = { MetricAlarm: "alarm:", Dashboard: "dashboard/", EventRule: "rule/" }[r.type.split(":").at(-1)!]!;
      const service = r.type.endsWith("EventRule") ? "events" : "cloudwatch";
      // Dashboards are global: their ARN has no region.
      const arn = `arn:${partition}:${service}:${isDashboard ? "" : region}:${account}:${kind}${name}`;
      return withId(name, { name, arn, ...(isDashboard ? { dashboardName: name, dashboardArn: arn } : {}) });
    }
    case "azure-native:managedidentity:UserAssignedIdentity": {
      const name = phys("resourceName");
      const id = `/subscriptions/${env.subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
      return withId(id, {
        name,
        clientId: stableGuid(r.type, r.name, "client"),
        principalId: stableGuid(r.type, r.name, "principal"),
        tenantId: env.tenantId,
      });
    }
    case "azure-native:managedidentity:FederatedIdentityCredential": {
      const name = phys("federatedIdentityCredentialResourceName");
      return withId(`${String(inputs.resourceName)}/federatedIdentityCredentials/${name}`, { name });
    }
    case "azure-native:authorization:RoleAssignment": {
      const name = stableGuid(r.type, r.name);
      return withId(`${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`, { name });
    }
    case "azuread:index/application:Application": {
      const objectId = stableGuid(r.type, r.name, "object");
      return withId(`/applications/${objectId}`, { objectId, clientId: stableGuid(r.type, r.name, "client") });
    }
    case "azuread:index/servicePrincipal:ServicePrincipal": {
      const objectId = stableGuid(r.type, r.name, "object");
      return withId(`/servicePrincipals/${objectId}`, { objectId });
    }
    default:
      return undefined;
  }
}
