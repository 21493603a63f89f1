/**
 * Masks secret values before anything is written or printed: the paths the Pulumi runtime marked secret, and
 * whatever the policy pack's own detector recognises (by content and by key name, in one detector run per
 * resource), plus `{ name, value }` pairs such as ECS environment entries whose name is a cloud credential.
 * Strings holding JSON (container definitions, policies) are masked inside, so the rest stays readable.
 */
import { findSecretsInKeyValues, isCloudCredentialName } from "../../policy/detect";
import { SECRET_MARK } from "./plan-file";
import { parseJsonStructure, parsePath, type PathSegment } from "./property-path";

/** Wraps a JSON-bearing string while it is masked as structure; unwrapped (re-serialised) afterwards. */
const JSON_BOX = "\u0000json";

function boxJson(value: unknown): unknown {
  if (typeof value === "string") {
    const structure = parseJsonStructure(value);
    return structure ? { [JSON_BOX]: boxJson(structure) } : value;
  }
  if (Array.isArray(value)) return value.map(boxJson);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, boxJson(v)]));
  return value;
}

function unboxJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unboxJson);
  if (value !== null && typeof value === "object") {
    if (JSON_BOX in value) return JSON.stringify(unboxJson((value as Record<string, unknown>)[JSON_BOX]));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unboxJson(v)]));
  }
  return value;
}

/** Sets the value at `path` to the mark; a path that runs into a string (JSON the runtime saw as one value) masks that string. */
function maskAt(root: unknown, path: PathSegment[]): void {
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== "object" || !(path[i] in node)) return;
    const next = node[path[i]];
    if (i === path.length - 1 || next === null || typeof next !== "object") {
      node[path[i]] = SECRET_MARK;
      return;
    }
    node = next as Record<string | number, unknown>;
  }
}

/**
 * Maps each string leaf's path, spelt the way the detector spells it (`a.b[0].c`, keys joined with dots even
 * when they contain dots), to its segments: keys such as `token.actions.githubusercontent.com:sub` cannot be
 * parsed back from that spelling.
 */
function detectorPaths(
  value: unknown,
  prefix = "",
  segments: PathSegment[] = [],
  into = new Map<string, PathSegment[]>(),
) {
  if (typeof value === "string") into.set(prefix, segments);
  else if (Array.isArray(value))
    value.forEach((item, i) => detectorPaths(item, `${prefix}[${i}]`, [...segments, i], into));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value))
      detectorPaths(item, prefix ? `${prefix}.${key}` : key, [...segments, key], into);
  }
  return into;
}

function maskNamedPairs(value: unknown): void {
  if (Array.isArray(value)) value.forEach(maskNamedPairs);
  else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.name === "string" && "value" in record && isCloudCredentialName(record.name))
      record.value = SECRET_MARK;
    Object.values(record).forEach(maskNamedPairs);
  }
}

export async function maskInputs(
  inputs: Record<string, unknown>,
  secretPaths: string[] = [],
): Promise<Record<string, unknown>> {
  const tree = structuredClone(inputs);
  for (const path of secretPaths) maskAt(tree, parsePath(path));
  const boxed = boxJson(tree) as Record<string, unknown>;
  maskNamedPairs(boxed);
  const paths = detectorPaths(boxed);
  for (const finding of await findSecretsInKeyValues(boxed)) {
    // An unresolvable location would leave a secret in clear: mask the whole top-level property instead.
    maskAt(boxed, paths.get(finding.location) ?? parsePath(finding.location).slice(0, 1));
  }
  return unboxJson(boxed) as Record<string, unknown>;
}
