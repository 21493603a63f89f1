/**
 * Expands a resource's properties into NAME -> VALUE pairs for the detector, undoing the ways
 * workload configuration hides names: JSON documents in strings (ECS container definitions,
 * Secrets Manager secret strings), `[{ name, value }]` lists (ECS, Container Apps, App Service),
 * references to secret stores (`valueFrom`, `secretRef`, `keyVaultUrl`, `@Microsoft.KeyVault(...)`)
 * and base64 user data. The key of each pair is a property path whose last segment is the NAME.
 */
import { parseJson } from "./values";

/** Marks a step into a JSON document held in a string (parse here, serialise back after masking). */
export const INTO_JSON = Symbol("json");
/** One step of a real property path: a key, an index, or into the JSON a string holds. */
export type Segment = string | number | typeof INTO_JSON;

export interface NamedValues {
  /** path -> value; the last path segment is the name a key-context rule should see. */
  values: Record<string, string>;
  /** Paths whose value is a reference to a secret store rather than the value itself. */
  references: Set<string>;
  /** path -> where the value really sits in the properties (for masking it there). */
  segments: Record<string, Segment[]>;
}

const VALUE_KEYS = ["value", "Value"];
const REFERENCE_KEYS = ["valueFrom", "secretRef", "keyVaultUrl", "secretArn", "parameterArn"];
const NAME_KEYS = ["name", "Name", "key", "Key"];
const USER_DATA_KEYS = new Set(["userData", "userDataBase64", "customData"]);

function decodeUserData(text: string): string {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(text) || text.length % 4 !== 0) return text;
  const decoded = Buffer.from(text, "base64").toString("utf8");
  // Only take the decoding if it is text; random bytes mean it was plain text after all.
  // eslint-disable-next-line no-control-regex -- tab, LF and CR are exactly the control characters text may hold
  return /^[\x09\x0a\x0d\x20-\x7e]*$/.test(decoded) ? decoded : text;
}

/** App Service and Functions resolve `@Microsoft.KeyVault(SecretUri=...)` settings from Key Vault at run time. */
function isKeyVaultReference(value: string): boolean {
  return value.startsWith("@Microsoft.KeyVault(");
}

function nameOf(entry: Record<string, unknown>): string | undefined {
  for (const k of NAME_KEYS) if (typeof entry[k] === "string") return entry[k] as string;
  return undefined;
}

export function namedValues(props: Record<string, unknown>): NamedValues {
  const out: NamedValues = { values: {}, references: new Set(), segments: {} };
  const walk = (value: unknown, path: string, key: string, at: Segment[]): void => {
    if (typeof value === "string") {
      const parsed = parseJson(value);
      if (parsed !== undefined) return walk(parsed, path, key, [...at, INTO_JSON]);
      const text = USER_DATA_KEYS.has(key) ? decodeUserData(value) : value;
      out.values[path] = text;
      out.segments[path] = at;
      if (isKeyVaultReference(text)) out.references.add(path);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((entry, i) => {
        const itemPath = `${path}[${i}]`;
        const name = entry && typeof entry === "object" ? nameOf(entry as Record<string, unknown>) : undefined;
        if (!name) return walk(entry, itemPath, key, [...at, i]);
        const record = entry as Record<string, unknown>;
        for (const [k, v] of Object.entries(record)) {
          if (NAME_KEYS.includes(k)) continue;
          if (VALUE_KEYS.includes(k) || REFERENCE_KEYS.includes(k)) {
            const pairPath = `${itemPath}.${name}`;
            if (typeof v === "string") {
              out.values[pairPath] = v;
              out.segments[pairPath] = [...at, i, k];
              if (REFERENCE_KEYS.includes(k) || isKeyVaultReference(v)) out.references.add(pairPath);
            } else {
              walk(v, pairPath, name, [...at, i, k]);
            }
          } else {
            walk(v, `${itemPath}.${k}`, k, [...at, i, k]);
          }
        }
      });
      return;
    }
    if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, k, [...at, k]);
    }
  };
  walk(props, "", "", []);
  return out;
}
