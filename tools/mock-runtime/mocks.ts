/**
 * Mock provider behaviour: what a real `pulumi up` would report back for each resource type, so that outputs which
 * flow into other resources (ARNs into trust policies, client IDs into container environments, the outbound issuer
 * into a federated credential) look like the real thing.
 *
 * Every generated value is derived from a hash of the resource's type and name: two runs of the same program give
 * the same IDs, which keeps plan diffs quiet.
 */
import { createHash } from "node:crypto";

/** Where the mocked resources "live". */
export interface MockEnvironment {
  readonly accountId: string;
  readonly region: string;
  readonly subscriptionId: string;
  readonly tenantId: string;
}

export interface MockResourceInput {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** Graph's application permission IDs (public, the same in every tenant). */
const GRAPH_APP_ROLE_IDS: Record<string, string> = {
  "Sites.Selected": "883ea226-0bf2-4a8f-9f9d-92c9162a727d",
  "Sites.Read.All": "332a536c-c7ef-4017-ab91-336970924f0d",
  "Files.Read.All": "01d4889c-1287-42c6-ac1f-5d1e02578ef6",
};

function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** A GUID derived from the seed (version-4 shaped). */
export function stableGuid(...seed: string[]): string {
  const h = digest(...seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Pulumi's auto-naming: the logical name plus a 7-character random suffix. */
function physicalName(name: string, type: string): string {
  return `${name}-${digest(type, name).slice(0, 7)}`;
}

/** The state a provider would return for a new resource: its inputs plus the computed outputs. */
export function mockResourceState(
  env: MockEnvironment,
  r: MockResourceInput,
): { id: string; state: Record<string, unknown> } {
  const { accountId: account, region } = env;
  const inputs = r.inputs;
  const str = (key: string): string | undefined =>
    typeof inputs[key] === "string" ? (inputs[key] as string) : undefined;
  const phys = (key: string) => str(key) ?? physicalName(r.name, r.type);
  const withId = (id: string, computed: Record<string, unknown>) => ({ id, state: { ...inputs, ...computed } });

  switch (r.type) {
    case "aws:iam/role:Role": {
      const name = phys("name");
      const uniqueId = `AROA${digest(r.name).slice(0, 17).toUpperCase()}`;
      return withId(name, { name, arn: `arn:aws:iam::${account}:role/${name}`, uniqueId });
    }
    case "aws:iam/policy:Policy": {
      const name = phys("name");
      const arn = `arn:aws:iam::${account}:policy${str("path") ?? "/"}${name}`;
      return withId(arn, { name, arn, policyId: `ANPA${digest(r.name).slice(0, 17).toUpperCase()}` });
    }
    case "aws:iam/rolePolicy:RolePolicy": {
      const name = phys("name");
      return withId(`${String(inputs.role)}:${name}`, { name });
    }
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
      const url = String(inputs.url ?? "").replace(/^https:\/\//, "");
      const arn = `arn:aws:iam::${account}:oidc-provider/${url}`;
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
        arn: `arn:aws:dynamodb:${region}:${account}:table/${name}`,
        streamArn: "",
      });
    }
    case "aws:s3/bucket:Bucket": {
      const bucket = phys("bucket");
      return withId(bucket, {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        region,
      });
    }
    case "aws:ecr/repository:Repository": {
      const name = phys("name");
      return withId(name, {
        name,
        arn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
        registryId: account,
        repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${name}`,
      });
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const name = phys("name");
      return withId(name, { name, arn: `arn:aws:logs:${region}:${account}:log-group:${name}` });
    }
    case "aws:ecs/cluster:Cluster": {
      const name = phys("name");
      const arn = `arn:aws:ecs:${region}:${account}:cluster/${name}`;
      return withId(arn, { name, arn });
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const base = `arn:aws:ecs:${region}:${account}:task-definition/${String(inputs.family)}`;
      return withId(String(inputs.family), { arn: `${base}:1`, arnWithoutRevision: base, revision: 1 });
    }
    case "aws:scheduler/schedule:Schedule": {
      const name = phys("name");
      return withId(`default/${name}`, {
        name,
        groupName: "default",
        arn: `arn:aws:scheduler:${region}:${account}:schedule/default/${name}`,
      });
    }
    case "aws:sfn/stateMachine:StateMachine": {
      const name = phys("name");
      const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
      return withId(arn, { name, arn });
    }
    case "aws:sqs/queue:Queue": {
      const name = phys("name");
      const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      return withId(url, { name, url, arn: `arn:aws:sqs:${region}:${account}:${name}` });
    }
    case "aws:ecs/service:Service": {
      const name = phys("name");
      return withId(name, { name });
    }
    case "aws:sns/topic:Topic": {
      const name = phys("name");
      const arn = `arn:aws:sns:${region}:${account}:${name}`;
      return withId(arn, { name, arn });
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
    case "aws:cloudwatch/dashboard:Dashboard":
    case "aws:cloudwatch/eventRule:EventRule": {
      const name = phys(r.type.endsWith("Dashboard") ? "dashboardName" : "name");
      const kind = { MetricAlarm: "alarm:", Dashboard: "dashboard/", EventRule: "rule/" }[r.type.split(":").at(-1)!]!;
      const service = r.type.endsWith("EventRule") ? "events" : "cloudwatch";
      const arn = `arn:aws:${service}:${r.type.endsWith("Dashboard") ? "" : region}:${account}:${kind}${name}`;
      return withId(name, {
        name,
        arn,
        ...(r.type.endsWith("Dashboard") ? { dashboardName: name, dashboardArn: arn } : {}),
      });
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
      // Component resources, GitHub resources and anything without computed outputs the program reads.
      return withId(r.type.startsWith("github:") ? physicalName(r.name, r.type) : `${r.name}-id`, {});
  }
}

/** Results of provider functions (invokes) the program calls. */
export function mockCall(
  env: MockEnvironment,
  token: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (token) {
    case "azuread:index/getServicePrincipal:getServicePrincipal":
      return {
        id: stableGuid("sp", String(inputs.clientId)),
        objectId: stableGuid("sp", String(inputs.clientId)),
        clientId: inputs.clientId,
        displayName:
          inputs.clientId === "00000003-0000-0000-c000-000000000000" ? "Microsoft Graph" : "service principal",
        appRoleIds: GRAPH_APP_ROLE_IDS,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: env.accountId,
        arn: `arn:aws:sts::${env.accountId}:assumed-role/mock/session`,
        userId: "AROAMOCK:session",
        id: env.accountId,
      };
    case "aws:index/getRegion:getRegion":
      return { name: env.region, region: env.region, id: env.region };
    default:
      throw new Error(`mock runtime: no mock for provider function ${token}; add one to tools/mock-runtime/mocks.ts`);
  }
}
