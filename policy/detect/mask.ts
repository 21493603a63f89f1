/**
 * The masker IS the detector: the same expansion of a resource's properties (lib/named-values.ts: JSON documents in
 * strings, `{ name, value }` lists, references, user data) and the same detector run that the pack's rules judge,
 * and every value the detector reports is replaced where it really sits, inside JSON strings too. Whatever the pack
 * would flag, a plan file, a diff, an audit report or a log line never shows.
 */
import { INTO_JSON, namedValues, Segment } from "../lib/named-values";
import { parseJson } from "../lib/values";
import { findSecretsInKeyValues, SecretFinding } from "./index";

function maskAt(node: unknown, at: Segment[], mark: string): unknown {
  if (at.length === 0) return mark;
  const [head, ...rest] = at;
  if (head === INTO_JSON) {
    const parsed = typeof node === "string" ? parseJson(node) : undefined;
    return parsed === undefined ? mark : JSON.stringify(maskAt(parsed, rest, mark));
  }
  if (node === null || typeof node !== "object" || !(head in node)) return node;
  const copy = (Array.isArray(node) ? [...node] : { ...(node as object) }) as Record<string | number, unknown>;
  copy[head] = maskAt((node as Record<string | number, unknown>)[head], rest, mark);
  return copy;
}

/** A copy of `props` with every detected secret replaced by `mark`, and the findings (which never hold values). */
export async function maskDetectedSecrets(
  props: Record<string, unknown>,
  mark: string,
): Promise<{ masked: Record<string, unknown>; findings: SecretFinding[] }> {
  const { values, segments } = namedValues(props);
  const findings = await findSecretsInKeyValues(values);
  let masked: unknown = props;
  for (const finding of findings) {
    // A location the expansion does not know would leave a secret in clear: mask its whole top-level property.
    const at = segments[finding.location] ?? [finding.location.split(/[.[]/)[0]];
    masked = maskAt(masked, at, mark);
  }
  return { masked: masked as Record<string, unknown>, findings };
}

export { maskSecretsInText } from "./index";
