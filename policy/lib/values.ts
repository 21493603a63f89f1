/**
 * Resource properties as plain data, with values unknown during preview made visible.
 *
 * The policy SDK hands rules a proxy that THROWS when a rule touches an unknown value, and turns
 * that throw into an advisory "can't run policy during preview" note: a mandatory rule would then
 * let anything through during preview. Rules here read the proxy's target instead and decide for
 * themselves what an unknown means (see docs/policy.md, "Values unknown during preview").
 */

/** The sentinels the engine sends for unknown values (pulumi/sdk/nodejs/runtime/rpc.ts). */
const UNKNOWN_SENTINELS = new Set([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** The key @pulumi/policy's unknownCheckingProxy answers with its target (proxy.ts, getSpecialProxyTarget). */
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/** Unwraps the SDK's proxy; plain objects (unit tests) come back as they are. */
export function plain(props: unknown): Record<string, unknown> {
  if (props === null || typeof props !== "object") return {};
  const target = (props as Record<string, unknown>)[PROXY_TARGET_KEY];
  return (target && typeof target === "object" ? target : props) as Record<string, unknown>;
}

/** Paths of every unknown value under `value`, e.g. ["containerDefinitions", "environment.variables.TOKEN"]. */
export function unknownPaths(value: unknown, prefix = ""): string[] {
  if (isUnknown(value)) return [prefix || "(the whole value)"];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${prefix}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [];
}

/** Parses a JSON document held in a string input (container definitions, policies); undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}
