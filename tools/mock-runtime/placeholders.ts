/**
 * Plausible values for a shape read from an SDK (`sdk-shapes.ts`): what a provider could have returned, so a
 * program that reads a computed output or a looked-up VPC gets an ARN that looks like an ARN, a CIDR block, a GUID
 * where Azure returns one, never `undefined`. Values are chosen from the property's name and where the resource
 * lives, and derived from a seed so that every run gives the same ones.
 */
import type { MockEnvironment } from "./environment";
import { resolveRef, type Shape } from "./sdk-shapes";
import { physicalName, stableGuid, stableHex } from "./stable-values";

export interface PlaceholderContext {
  readonly env: MockEnvironment;
  /** The resource type or function token the value belongs to (`aws:ec2/getVpc:getVpc`). */
  readonly token: string;
  /** A resource's logical name, or the function's token and arguments: seeds every value. */
  readonly seed: string;
  /** What the program passed: a value of the same name is echoed back, as providers do. */
  readonly inputs: Record<string, unknown>;
}

/** EC2 and friends prefix their IDs with the kind of thing (`vpc-0a1b…`). */
const AWS_ID_PREFIXES: [RegExp, string][] = [
  [/^vpc/i, "vpc"],
  [/^subnet/i, "subnet"],
  [/securitygroup|^sg$/i, "sg"],
  [/^instance/i, "i"],
  [/^ami|^image/i, "ami"],
  [/internetgateway/i, "igw"],
  [/natgateway/i, "nat"],
  [/routetable/i, "rtb"],
  [/networkinterface/i, "eni"],
  [/^volume/i, "vol"],
  [/^snapshot/i, "snap"],
  [/transitgateway/i, "tgw"],
  [/^keypair/i, "key"],
  [/dhcpoptions/i, "dopt"],
  [/prefixlist/i, "pl"],
];

const MAX_NESTING = 12;

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function tokenParts(token: string): { pkg: string; module: string; member: string } {
  const [pkg = "", module = "", member = ""] = token.split(":");
  return { pkg, module: module.split("/")[0]!, member };
}

/** The noun a token is about: `getVpc` → `vpc`, `listStorageAccountKeys` → `storageAccount`, `Role` → `role`. */
function subject(token: string): string {
  const { member } = tokenParts(token);
  return (
    lowerFirst(member.replace(/^(get|list|lookup)/, "").replace(/(Keys|Credentials|Result|Output)$/, "")) || member
  );
}

function awsId(kind: string, seed: string): string {
  const prefix = AWS_ID_PREFIXES.find(([pattern]) => pattern.test(kind))?.[1] ?? kind.toLowerCase().slice(0, 8);
  return `${prefix}-${stableHex(17, kind, seed)}`;
}

/** A resource's logical name, or for a function's result `<subject>-<hash>` (`vpc-3f9a1c`). */
function logicalName(ctx: PlaceholderContext): string {
  const name = ctx.inputs.name;
  if (typeof name === "string" && name !== "") return name;
  const { member } = tokenParts(ctx.token);
  const isFunction = /^[a-z]/.test(member);
  return isFunction ? `${subject(ctx.token)}-${stableHex(6, ctx.seed)}` : ctx.seed;
}

function stringFor(key: string, path: string[], ctx: PlaceholderContext): string {
  const { env } = ctx;
  const { pkg, module } = tokenParts(ctx.token);
  const lower = key.toLowerCase();
  const name = logicalName(ctx);
  const seed = `${ctx.seed}/${path.join(".")}`;
  const isAws = pkg === "aws" || pkg === "aws-native";
  const isAzure = pkg.startsWith("azure");

  if (lower === "region") return env.region;
  if (lower === "location") return env.location;
  if (lower === "partition") return env.partition;
  if (lower.endsWith("availabilityzone")) return `${env.region}a`;
  if (/^(accountid|ownerid|awsaccountid|registryid)$/.test(lower)) return env.accountId;
  if (lower === "tenantid") return env.tenantId;
  if (lower === "subscriptionid") return env.subscriptionId;
  if (/(^|[a-z])(clientid|objectid|principalid|applicationid|appid|guid|uuid)$/i.test(key)) return stableGuid(seed);
  if (lower === "arn" || lower.endsWith("arn")) {
    const service = module === "index" ? subject(ctx.token) : module;
    const scope =
      service === "iam" || service === "s3"
        ? ["", service === "iam" ? env.accountId : ""]
        : [env.region, env.accountId];
    return `arn:${env.partition}:${service}:${scope[0]}:${scope[1]}:${subject(ctx.token)}/${name}`;
  }
  if (lower === "id" || lower === "ids") {
    if (isAzure) {
      const group = typeof ctx.inputs.resourceGroupName === "string" ? ctx.inputs.resourceGroupName : "rg-placeholder";
      return `/subscriptions/${env.subscriptionId}/resourceGroups/${group}/providers/Microsoft.${module}/${subject(ctx.token)}s/${name}`;
    }
    return isAws ? awsId(subject(ctx.token), seed) : `${name}-${stableHex(8, seed)}`;
  }
  const idOf = /^(\w+?)ids?$/i.exec(key)?.[1];
  if (idOf && isAws) return awsId(idOf, seed);
  if (idOf) return stableGuid(seed);
  if (lower.includes("ipv6cidr")) return "2001:db8::/56";
  if (lower.includes("cidr")) return "10.0.0.0/16";
  if (lower.includes("ipaddress") || lower === "ip") return "10.0.0.10";
  if (lower === "name" || lower.endsWith("name")) return name;
  if (/(url|uri|endpoint)$/.test(lower))
    return `https://${name}.${isAzure ? "azure.example" : `${env.region}.example`}/`;
  if (/(fqdn|hostname|domain|dnsname)$/.test(lower)) return `${name}.example.internal`;
  if (/(state|status)$/.test(lower)) return isAzure ? "Succeeded" : "available";
  if (/(date|time|timestamp|at)$/.test(lower)) return "2026-01-01T00:00:00Z";
  if (lower === "type" && isAzure) return `Microsoft.${module}/${subject(ctx.token)}s`;
  if (lower.includes("fingerprint") || lower.includes("sha1")) return stableHex(40, seed);
  if (lower.includes("version")) return "1";
  return `${name}-${key}`;
}

function numberFor(key: string): number {
  const lower = key.toLowerCase();
  if (lower.includes("port")) return 443;
  if (/(count|size|capacity|revision|number)$/.test(lower)) return 1;
  return 0;
}

function booleanFor(key: string): boolean {
  return /enabled$|^enable/i.test(key);
}

/**
 * The value for `shape` at `path` (property names from the root). Lists hold two elements by default (a lookup
 * returns IDs that programs index); a resource's own list outputs are empty unless the program set them, as a
 * provider returns them for a new resource (`lists: "empty"`).
 */
export function placeholderFor(
  shape: Shape,
  path: string[],
  ctx: PlaceholderContext,
  lists: "two" | "empty" = "two",
): unknown {
  const key = [...path].reverse().find((segment) => !/^\d+$/.test(segment)) ?? "value";
  // Types can refer to themselves; no provider returns a value nested this deep.
  if (path.length > MAX_NESTING) return shape.kind === "array" ? [] : shape.kind === "string" ? "" : {};
  switch (shape.kind) {
    case "ref":
      return placeholderFor(resolveRef(shape), path, ctx, lists);
    case "string":
      return shape.literal ?? stringFor(key, path, ctx);
    case "number":
      return numberFor(key);
    case "boolean":
      return booleanFor(key);
    case "any":
      return {};
    case "map":
      return /^tags(all)?$/i.test(key) && isRecord(ctx.inputs.tags) ? ctx.inputs.tags : {};
    case "array":
      // Two elements: programs index lists of IDs (`ids[1]`), and one would hide that the list is a list.
      if (lists === "empty") return [];
      return [0, 1].map((index) => placeholderFor(shape.items, [...path, String(index)], ctx, lists));
    case "object": {
      const value: Record<string, unknown> = {};
      for (const property of shape.properties) {
        if (property.optional) continue;
        value[property.name] = placeholderFor(property.shape, [...path, property.name], ctx, lists);
      }
      return value;
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The ID a provider would assign a new resource of this type (`sg-0a1b…`, an ARM resource ID, …). */
export function placeholderId(ctx: PlaceholderContext): string {
  return stringFor("id", ["id"], ctx);
}

/**
 * A resource's state after creation: its inputs, then every output the SDK declares as always present that the
 * inputs do not set. An output named like an input (`name` for `accountName`) echoes it.
 */
export function completeResourceState(
  shape: Shape,
  ctx: PlaceholderContext,
  computed: Record<string, unknown> = {},
): Record<string, unknown> {
  const state: Record<string, unknown> = { ...ctx.inputs };
  if (shape.kind !== "object") return { ...state, ...computed };
  const { member } = tokenParts(ctx.token);
  const nameInput = ctx.inputs[`${lowerFirst(member)}Name`] ?? ctx.inputs.resourceName ?? ctx.inputs.accountName;
  for (const property of shape.properties) {
    if (property.name in state || property.name in computed || property.optional) continue;
    // Providers auto-name what the program does not name (Pulumi's logical name plus a random suffix).
    if (property.name === "name")
      state.name = typeof nameInput === "string" ? nameInput : physicalName(ctx.seed, ctx.token);
    else state[property.name] = placeholderFor(property.shape, [property.name], ctx, "empty");
  }
  return { ...state, ...computed };
}
