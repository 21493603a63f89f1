/**
 * Where the mocked resources "live" and who the program runs as: the account, region, subscription and tenant that
 * provider functions such as `aws.getCallerIdentity` or `azure-native.authorization.getClientConfig` answer with.
 * Read from the stack's provider configuration, the way the providers read it; documented defaults otherwise.
 */
import { stableGuid } from "./stable-values";

export interface MockEnvironment {
  /** `pulumi.getOrganization()`: `--organization`, else the name a self-managed backend gives every stack. */
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  readonly accountId: string;
  readonly region: string;
  /** `aws`, `aws-cn` or `aws-us-gov`, from the region (as the AWS provider derives it). */
  readonly partition: string;
  /** `amazonaws.com`, or `amazonaws.com.cn` in China. */
  readonly dnsSuffix: string;
  readonly subscriptionId: string;
  readonly tenantId: string;
  /** The identity the Azure providers sign in as (`getClientConfig`). */
  readonly clientId: string;
  readonly objectId: string;
  readonly location: string;
}

/**
 * The organisation `pulumi.getOrganization()` returns when `--organization` is not given: on a self-managed
 * (DIY) backend every stack's fully qualified name is `organization/<project>/<stack>`
 * (https://www.pulumi.com/docs/iac/concepts/state-and-backends/), so this is what such a `pulumi preview` sees.
 */
export const DEFAULT_ORGANIZATION = "organization";

export const DEFAULTS = {
  /** AWS's documentation account (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html). */
  accountId: "123456789012",
  /** The AWS provider's own fallback when neither `aws:region` nor AWS_REGION is set is an error; previews here use this. */
  region: "us-east-1",
  subscriptionId: "00000000-0000-4000-8000-000000000000",
  tenantId: "00000000-0000-4000-8000-000000000001",
  location: "eastus",
} as const;

const ACCOUNT_ID = /^\d{12}$/;

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The account a stack deploys to: `aws:allowedAccountIds`, the account of `aws:assumeRole`, or an `accountId` key. */
function accountFrom(config: Record<string, string>): string | undefined {
  const allowed = parseJson(config["aws:allowedAccountIds"]);
  if (Array.isArray(allowed) && typeof allowed[0] === "string" && ACCOUNT_ID.test(allowed[0])) return allowed[0];
  const assumeRole = parseJson(config["aws:assumeRole"]) as { roleArn?: unknown } | undefined;
  const fromRole = typeof assumeRole?.roleArn === "string" ? assumeRole.roleArn.split(":")[4] : undefined;
  if (fromRole && ACCOUNT_ID.test(fromRole)) return fromRole;
  // Programs commonly keep the account in their own structured config (this project: `zerosecrets:aws.accountId`).
  for (const value of Object.values(config)) {
    const parsed = parseJson(value) as { accountId?: unknown } | undefined;
    const id = parsed && typeof parsed === "object" ? String(parsed.accountId ?? "") : "";
    if (ACCOUNT_ID.test(id)) return id;
  }
  return undefined;
}

export function partitionOf(region: string): { partition: string; dnsSuffix: string } {
  if (region.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
  if (region.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
  return { partition: "aws", dnsSuffix: "amazonaws.com" };
}

export function environmentFromConfig(
  config: Record<string, string>,
  names: { organization: string; project: string; stack: string },
): MockEnvironment {
  const region = config["aws:region"] ?? process.env.AWS_REGION ?? DEFAULTS.region;
  const tenantId = config["azure-native:tenantId"] ?? config["azuread:tenantId"] ?? DEFAULTS.tenantId;
  const clientId = config["azure-native:clientId"] ?? config["azuread:clientId"] ?? stableGuid("client", tenantId);
  return {
    ...names,
    accountId: accountFrom(config) ?? DEFAULTS.accountId,
    region,
    ...partitionOf(region),
    subscriptionId: config["azure-native:subscriptionId"] ?? DEFAULTS.subscriptionId,
    tenantId,
    clientId,
    objectId: stableGuid("object", clientId),
    location: config["azure-native:location"] ?? config["azure:location"] ?? DEFAULTS.location,
  };
}
