/**
 * Evaluates an IAM policy `Condition` block against one set of request claims, with the
 * semantics AWS documents for the operators a web-identity trust uses:
 * - values in a list are ORed; operators and keys are ANDed;
 * - a missing key fails a positive operator, passes a negated one and anything `...IfExists`;
 * - `ForAllValues:` passes when the key is missing (the trap behind CKV_AWS_358-style findings),
 *   `ForAnyValue:` fails;
 * - `StringLike` wildcards: `*` any run, `?` one character; `...IgnoreCase` folds case.
 * Conditions on keys this evaluator does not model (and operators it does not know) are treated
 * as SATISFIED: a restriction we cannot evaluate must not make a role look safe.
 */

export type Claims = Record<string, string | undefined>;

/** `*` any run, `?` one character, everything else literal (IAM StringLike; Entra `matches` alike). */
export function likeToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
}

type Matcher = (actual: string, expected: string) => boolean;
const baseOperators: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (a, e) => a === e, negated: false },
  StringNotEquals: { match: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { match: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { match: (a, e) => likeToRegExp(e, false).test(a), negated: false },
  StringNotLike: { match: (a, e) => likeToRegExp(e, false).test(a), negated: true },
};

export interface ParsedOperator {
  set?: "ForAnyValue" | "ForAllValues";
  base: string;
  ifExists: boolean;
}

export function parseOperator(operator: string): ParsedOperator {
  const m = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(operator);
  return { set: m?.[1] as ParsedOperator["set"], base: m?.[2] ?? operator, ifExists: !!m?.[3] };
}

export function isKnownOperator(operator: string): boolean {
  const { base } = parseOperator(operator);
  return base === "Null" || base in baseOperators;
}

function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function keyHolds(operator: ParsedOperator, expected: string[], actual: string | undefined): boolean {
  if (operator.base === "Null") {
    const wantsAbsent = expected.some((e) => e.toLowerCase() === "true");
    return wantsAbsent ? actual === undefined : actual !== undefined;
  }
  const op = baseOperators[operator.base];
  if (actual === undefined) {
    if (operator.set === "ForAllValues") return true;
    if (operator.set === "ForAnyValue") return false;
    return operator.ifExists || op.negated;
  }
  const anyMatch = expected.some((e) => op.match(actual, e));
  return op.negated ? !anyMatch : anyMatch;
}

/**
 * True when the block lets these claims through. `modelled(key)` says whether the key is one the
 * claims describe. Unmodelled keys count as `unmodelledHolds`: true for an Allow (a restriction we
 * cannot evaluate must not make a role look safe), false for a Deny (nor may a Deny we cannot
 * evaluate).
 */
export function conditionsHold(
  condition: unknown,
  claims: Claims,
  modelled: (key: string) => boolean,
  unmodelledHolds = true,
): boolean {
  if (condition === undefined || condition === null) return true;
  if (typeof condition !== "object") return true;
  for (const [operatorText, block] of Object.entries(condition as Record<string, unknown>)) {
    if (!isKnownOperator(operatorText) || block === null || typeof block !== "object") {
      if (!unmodelledHolds) return false;
      continue;
    }
    const operator = parseOperator(operatorText);
    for (const [key, expected] of Object.entries(block as Record<string, unknown>)) {
      if (!modelled(key)) {
        if (!unmodelledHolds) return false;
        continue;
      }
      if (!keyHolds(operator, asList(expected), claims[key])) return false;
    }
  }
  return true;
}

/** Every value a key is compared with by a positive string operator (the values it is "pinned" to). */
export function pinnedValues(condition: unknown, key: string): Array<{ operator: string; value: string }> {
  const out: Array<{ operator: string; value: string }> = [];
  if (condition === null || typeof condition !== "object") return out;
  for (const [operatorText, block] of Object.entries(condition as Record<string, unknown>)) {
    const { base } = parseOperator(operatorText);
    const op = baseOperators[base];
    if (!op || op.negated || block === null || typeof block !== "object") continue;
    const expected = (block as Record<string, unknown>)[key];
    if (expected !== undefined) for (const value of asList(expected)) out.push({ operator: operatorText, value });
  }
  return out;
}
