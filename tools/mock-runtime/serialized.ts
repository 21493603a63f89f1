/**
 * Turns Pulumi's wire form of resource properties (the `Struct` the SDK sends to the resource monitor) into plain
 * JSON, and notes where secrets were, so a plan can mask them while policy checks still see the values (as the
 * engine shows them to an analyzer).
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** Placeholder the SDK sends for a value not known until the resource exists (preview). */
export const UNKNOWN = rpc.unknownValue;

export interface PlainProperties {
  readonly value: Record<string, unknown>;
  /** Dotted paths (`a.b[0].c`) of values that were marked secret. */
  readonly secretPaths: string[];
}

export function toPlain(serialized: Record<string, unknown>): PlainProperties {
  const secretPaths: string[] = [];
  const value = convert(serialized, "", secretPaths) as Record<string, unknown>;
  return { value: value ?? {}, secretPaths };
}

function convert(value: unknown, at: string, secretPaths: string[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => convert(item, `${at}[${i}]`, secretPaths));
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const sig = record[rpc.specialSigKey];
  if (sig === rpc.specialSecretSig) {
    secretPaths.push(at);
    return convert(record.value, at, secretPaths);
  }
  if (sig === rpc.specialResourceSig) return record.urn;
  if (sig === rpc.specialOutputValueSig) {
    if (record.secret === true) secretPaths.push(at);
    return "value" in record ? convert(record.value, at, secretPaths) : UNKNOWN;
  }
  if (sig === rpc.specialAssetSig || sig === rpc.specialArchiveSig) {
    const { [rpc.specialSigKey]: _sig, ...rest } = record;
    return rest;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record))
    out[key] = convert(item, at === "" ? key : `${at}.${key}`, secretPaths);
  return out;
}
