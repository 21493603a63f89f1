/**
 * ARN matching as IAM does it for `Resource`/`NotResource` and the `Arn*` condition operators: the ARN is split into
 * its six colon-separated segments (`arn:partition:service:region:account:resource`, the last keeping any further
 * colons) and each segment is matched on its own, `*` and `?` as wildcards, case-sensitively. A wildcard cannot reach
 * across a segment boundary, except in the last segment ("Amazon Resource Names", IAM User Guide,
 * reference-arns.html; "ARN condition operators", reference_policies_elements_condition_operators.html#Conditions_ARN).
 */
import { wildcardMatch } from "./glob";

function segments(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/** True when `arn` matches `pattern` (a full `*` matches anything, ARN or not). */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const p = segments(pattern);
  const a = segments(arn);
  // A pattern that starts like an ARN but lacks segments matches no ARN: its wildcards cannot stand for colons.
  if (!p && pattern.startsWith("arn:")) return false;
  if (!p || !a) return wildcardMatch(pattern, arn);
  return p.every((segment, i) => wildcardMatch(segment, a[i]));
}

/** The account ID of an ARN, if it carries one. */
export function arnAccount(arn: string): string | undefined {
  return segments(arn)?.[4] || undefined;
}
