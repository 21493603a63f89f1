/**
 * Provider functions that describe who and where the program runs: answered from the stack's provider
 * configuration (`aws:region`, `azure-native:subscriptionId`, …) the way the providers answer them, with the
 * documented defaults of `environment.ts` where the stack sets nothing. Plus the lookups of well-known public
 * objects that are the same in every tenant.
 */
import type { MockEnvironment } from "../environment";
import { partitionOf } from "../environment";
import { stableGuid } from "../stable-values";

type Inputs = Record<string, unknown>;
type Answer = (env: MockEnvironment, inputs: Inputs) => Record<string, unknown>;

/** Microsoft Graph's application permission IDs (public, the same in every tenant). */
const GRAPH_APP_ROLE_IDS: Record<string, string> = {
  "Sites.Selected": "883ea226-0bf2-4a8f-9f9d-92c9162a727d",
  "Sites.Read.All": "332a536c-c7ef-4017-ab91-336970924f0d",
  "Files.Read.All": "01d4889c-1287-42c6-ac1f-5d1e02578ef6",
};
const MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

function region(env: MockEnvironment, inputs: Inputs): string {
  return str(inputs.region) ?? str(inputs.name) ?? env.region;
}

export const CONTEXT_FUNCTIONS: Record<string, Answer> = {
  "aws:index/getPartition:getPartition": (env) => ({
    id: env.partition,
    partition: env.partition,
    dnsSuffix: env.dnsSuffix,
    reverseDnsPrefix: env.dnsSuffix.split(".").reverse().join("."),
  }),
  "aws:index/getRegion:getRegion": (env, inputs) => {
    const name = region(env, inputs);
    const { dnsSuffix } = partitionOf(name);
    return { id: name, name, region: name, endpoint: `ec2.${name}.${dnsSuffix}`, description: name };
  },
  "aws:index/getCallerIdentity:getCallerIdentity": (env) => ({
    id: env.accountId,
    accountId: env.accountId,
    arn: `arn:${env.partition}:sts::${env.accountId}:assumed-role/${env.project}-preview/${env.stack}`,
    userId: `AROA${stableGuid("caller", env.accountId).replace(/-/g, "").slice(0, 17).toUpperCase()}:${env.stack}`,
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": (env, inputs) => {
    const zones = ["a", "b", "c"].map((letter) => `${env.region}${letter}`);
    return {
      id: env.region,
      names: zones,
      zoneIds: zones.map(
        (_, index) =>
          `${env.region
            .split("-")
            .map((p) => p[0])
            .join("")}-az${index + 1}`,
      ),
      groupNames: [env.region],
      ...(str(inputs.state) ? { state: inputs.state } : {}),
    };
  },
  "aws:index/getArn:getArn": (_env, inputs) => {
    const arn = str(inputs.arn) ?? "";
    const [, partition = "", service = "", arnRegion = "", account = "", ...resource] = arn.split(":");
    if (!arn.startsWith("arn:") || resource.length === 0) throw new Error(`"${arn}" is not an ARN`);
    return { id: arn, arn, partition, service, region: arnRegion, account, resource: resource.join(":") };
  },
  "azure-native:authorization:getClientConfig": (env) => ({
    clientId: env.clientId,
    objectId: env.objectId,
    subscriptionId: env.subscriptionId,
    tenantId: env.tenantId,
  }),
  "azuread:index/getClientConfig:getClientConfig": (env) => ({
    id: `${env.clientId}-${env.objectId}-${env.tenantId}`,
    clientId: env.clientId,
    objectId: env.objectId,
    tenantId: env.tenantId,
  }),
};

/** Lookups of objects that are the same in every tenant (Microsoft Graph's service principal and its roles). */
export const WELL_KNOWN_FUNCTIONS: Record<string, Answer> = {
  "azuread:index/getServicePrincipal:getServicePrincipal": (_env, inputs) => {
    const clientId = str(inputs.clientId) ?? str(inputs.applicationId) ?? stableGuid("sp", JSON.stringify(inputs));
    const objectId = stableGuid("sp", clientId);
    return {
      id: objectId,
      objectId,
      clientId,
      displayName:
        clientId === MICROSOFT_GRAPH_APP_ID ? "Microsoft Graph" : (str(inputs.displayName) ?? "service principal"),
      appRoleIds: GRAPH_APP_ROLE_IDS,
    };
  },
};
