/**
 * Which values the program marked secret (a Pulumi secret, secret config). The policy SDK unwraps secrets before a
 * rule sees them (@pulumi/policy server.ts calls deserializeProperties(..., false)), so a rule cannot tell a Pulumi
 * secret from a plain string. The pack deserialises with secrets kept instead (the SDK's own `proxySecrets` mode),
 * records where each secret sat, and hands the rules the same plain values as before.
 */
const secretPathsByProps = new WeakMap<object, Set<string>>();

/** Paths (`a.b[0].c`) of the values the program marked secret; empty when unknown (unit tests, stack exports). */
export function secretPathsOf(props: object): Set<string> {
  return secretPathsByProps.get(props) ?? new Set();
}

/** Plain data with every `Secret` replaced by its value; the paths where they were. */
export function unwrapSecrets(
  value: unknown,
  isSecret: (v: unknown) => v is { value: unknown },
): { plain: unknown; paths: Set<string> } {
  const paths = new Set<string>();
  const walk = (v: unknown, path: string): unknown => {
    if (isSecret(v)) {
      paths.add(path || "(the whole value)");
      return walk(v.value, path);
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}[${i}]`));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, path ? `${path}.${k}` : k)]));
    }
    return v;
  };
  return { plain: walk(value, ""), paths };
}

let installed = false;

/** Makes the SDK's deserialisation keep track of secrets (idempotent). Call before the PolicyPack is built. */
export function trackSecrets(): void {
  if (installed) return;
  installed = true;
  const deserialize = require("@pulumi/policy/deserialize");
  const { Secret } = require("@pulumi/policy/policy");
  const { getSpecialProxyTarget } = require("@pulumi/policy/proxy");
  const original = deserialize.deserializeProperties;
  const isSecret = (v: unknown): v is { value: unknown } => v instanceof Secret;
  deserialize.deserializeProperties = (struct: unknown, proxySecrets: boolean) => {
    if (proxySecrets) return original(struct, true);
    const kept = original(struct, true);
    const { plain, paths } = unwrapSecrets(kept[getSpecialProxyTarget] ?? kept, isSecret);
    if (plain !== null && typeof plain === "object") secretPathsByProps.set(plain, paths);
    return plain;
  };
}
