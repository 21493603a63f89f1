/**
 * The `Condition` element, evaluated with the semantics the IAM User Guide documents
 * (reference_policies_elements_condition_operators.html, reference_policies_condition-single-vs-multi-valued-context-keys.html,
 * reference_policies_condition_examples-multi-valued-context-keys.html, reference_policies_condition-logic-multiple-context-keys-or-values.html):
 *
 * - condition KEY names are case-insensitive; values are compared as the operator says;
 * - operators in a block are ANDed, keys under one operator are ANDed, the values listed for one key are ORed;
 * - a key absent from the request makes a positive operator false and a negated one (`StringNotEquals`,
 *   `StringNotLike`, `ArnNotLike`, `NotIpAddress`, ...) true; `...IfExists` is true on an absent key; `Null` tests
 *   presence itself;
 * - `ForAllValues:` is true when every value of the key matches, and so also when the key is absent or empty;
 *   `ForAnyValue:` needs at least one matching value, so it is false when the key is absent or empty;
 * - policy variables `${key}` (and `${key, 'default'}`, `${*}`, `${?}`, `${$}`) are replaced from the request.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { arnMatches } from "./arn";
import { wildcardMatch } from "./glob";

/** A request's context: key -> one value or a list (multivalued keys). Absent keys are simply missing. */
export type ContextValue = string | number | boolean | ReadonlyArray<string | number | boolean>;
export type RequestContext = Readonly<Record<string, ContextValue | undefined>>;

/** Context with keys folded to lower case, for case-insensitive lookups. */
export class ContextLookup {
  private readonly values = new Map<string, string[]>();
  constructor(context: RequestContext = {}) {
    for (const [key, value] of Object.entries(context)) {
      if (value === undefined || value === null) continue;
      const list = Array.isArray(value) ? value : [value];
      this.values.set(key.toLowerCase(), list.map(String));
    }
  }
  /** The key's values; undefined when the request does not carry it. */
  get(key: string): string[] | undefined {
    return this.values.get(key.toLowerCase());
  }
}

export interface ParsedOperator {
  text: string;
  set?: "ForAnyValue" | "ForAllValues";
  base: string;
  ifExists: boolean;
}

export function parseOperator(text: string): ParsedOperator {
  const m = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(text);
  const base = m?.[2] ?? text;
  // `Null` takes no IfExists; a key literally ending in IfExists is not one of ours anyway.
  return { text, set: m?.[1] as ParsedOperator["set"], base, ifExists: !!m?.[3] && base !== "Null" };
}

type Compare = (actual: string, expected: string) => boolean;

const ip = (actual: string, expected: string): boolean => {
  const family = (a: string) => (isIPv4(a) ? "ipv4" : isIPv6(a) ? "ipv6" : undefined);
  const fam = family(actual);
  if (!fam) return false;
  const [net, bits] = expected.split("/");
  const netFam = family(net);
  if (netFam !== fam) return false;
  const block = new BlockList();
  block.addSubnet(net, bits === undefined ? (fam === "ipv4" ? 32 : 128) : Number(bits), fam);
  return block.check(actual, fam);
};

const num =
  (f: (a: number, e: number) => boolean): Compare =>
  (a, e) => {
    const x = Number(a);
    const y = Number(e);
    return Number.isFinite(x) && Number.isFinite(y) && f(x, y);
  };

function dateValue(text: string): number {
  return /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
}
const date =
  (f: (a: number, e: number) => boolean): Compare =>
  (a, e) => {
    const x = dateValue(a);
    const y = dateValue(e);
    return Number.isFinite(x) && Number.isFinite(y) && f(x, y);
  };

/** Base operators: how one request value compares with one policy value, and whether the operator is negated. */
const OPERATORS: Record<string, { compare: Compare; negated: boolean; wildcards?: boolean }> = {
  StringEquals: { compare: (a, e) => a === e, negated: false },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { compare: (a, e) => wildcardMatch(e, a), negated: false, wildcards: true },
  StringNotLike: { compare: (a, e) => wildcardMatch(e, a), negated: true, wildcards: true },
  NumericEquals: { compare: num((a, e) => a === e), negated: false },
  NumericNotEquals: { compare: num((a, e) => a === e), negated: true },
  NumericLessThan: { compare: num((a, e) => a < e), negated: false },
  NumericLessThanEquals: { compare: num((a, e) => a <= e), negated: false },
  NumericGreaterThan: { compare: num((a, e) => a > e), negated: false },
  NumericGreaterThanEquals: { compare: num((a, e) => a >= e), negated: false },
  DateEquals: { compare: date((a, e) => a === e), negated: false },
  DateNotEquals: { compare: date((a, e) => a === e), negated: true },
  DateLessThan: { compare: date((a, e) => a < e), negated: false },
  DateLessThanEquals: { compare: date((a, e) => a <= e), negated: false },
  DateGreaterThan: { compare: date((a, e) => a > e), negated: false },
  DateGreaterThanEquals: { compare: date((a, e) => a >= e), negated: false },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  BinaryEquals: { compare: (a, e) => a === e, negated: false },
  IpAddress: { compare: ip, negated: false },
  NotIpAddress: { compare: ip, negated: true },
  // ArnEquals behaves as ArnLike: both accept wildcards in each segment.
  ArnEquals: { compare: (a, e) => arnMatches(e, a), negated: false, wildcards: true },
  ArnLike: { compare: (a, e) => arnMatches(e, a), negated: false, wildcards: true },
  ArnNotEquals: { compare: (a, e) => arnMatches(e, a), negated: true, wildcards: true },
  ArnNotLike: { compare: (a, e) => arnMatches(e, a), negated: true, wildcards: true },
};

export function isKnownOperator(text: string): boolean {
  const { base } = parseOperator(text);
  return base === "Null" || base in OPERATORS;
}

/** True for operators whose match is negated (`StringNotEquals`, `NotIpAddress`, ...). */
export function isNegatedOperator(text: string): boolean {
  return OPERATORS[parseOperator(text).base]?.negated ?? false;
}

/** True for operators that read `*` and `?` in policy values as wildcards. */
export function operatorUsesWildcards(text: string): boolean {
  return OPERATORS[parseOperator(text).base]?.wildcards ?? false;
}

/** Private-use stand-ins for `${*}` and `${?}`: literal characters that must not act as wildcards. */
const LITERAL_STAR = "\uE000";
const LITERAL_QUESTION = "\uE001";

/**
 * Replaces policy variables in one policy value. Returns undefined when a variable names a key the request lacks
 * and gives no default: AWS then treats the value as not matching.
 */
export function substituteVariables(value: string, context: ContextLookup, wildcards: boolean): string | undefined {
  if (!value.includes("${")) return value;
  let missing = false;
  const out = value.replace(/\$\{([^}]*)\}/g, (_all, inner: string) => {
    if (inner === "*") return wildcards ? LITERAL_STAR : "*";
    if (inner === "?") return wildcards ? LITERAL_QUESTION : "?";
    if (inner === "$") return "$";
    const m = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
    const found = m ? context.get(m[1])?.[0] : undefined;
    if (found !== undefined) return found;
    if (m?.[2] !== undefined) return m[2];
    missing = true;
    return "";
  });
  return missing ? undefined : out;
}

function restoreLiterals(text: string): string {
  return text.replaceAll(LITERAL_STAR, "*").replaceAll(LITERAL_QUESTION, "?");
}

export interface ConditionFailure {
  operator: string;
  key: string;
  reason: string;
}

/** How keys the caller cannot know are resolved (symbolic analysis only; concrete requests leave this unset). */
export interface OpenKeys {
  /** Keys whose value the requester may choose freely. */
  isOpen(key: string): boolean;
  /** Resolve an open key's test as true (an Allow: the requester satisfies it) or false (a Deny: the requester avoids it). */
  resolveAs: boolean;
}

function compareOne(base: string, actual: string, expected: string): boolean {
  const op = OPERATORS[base];
  if (op.wildcards && (expected.includes(LITERAL_STAR) || expected.includes(LITERAL_QUESTION))) {
    // `${*}` / `${?}` inside a wildcard pattern stand for the characters themselves: map both sides to characters
    // the pattern language treats as plain, then compare.
    const plain = (text: string) => text.replaceAll("*", LITERAL_STAR).replaceAll("?", LITERAL_QUESTION);
    return op.compare(plain(actual), expected);
  }
  return op.compare(actual, restoreLiterals(expected));
}

/** Evaluates one operator/key pair. */
export function keyHolds(
  operatorText: string,
  key: string,
  policyValues: readonly unknown[],
  context: ContextLookup,
): { holds: boolean; reason: string } {
  const operator = parseOperator(operatorText);
  const actual = context.get(key);
  const absent = actual === undefined || actual.length === 0;
  if (operator.base === "Null") {
    const wantsAbsent = policyValues.some((v) => String(v).toLowerCase() === "true");
    const holds = wantsAbsent ? absent : !absent;
    return { holds, reason: holds ? "" : wantsAbsent ? `${key} is present` : `${key} is absent` };
  }
  const op = OPERATORS[operator.base];
  const wildcards = op.wildcards ?? false;
  const expected = policyValues
    .map((v) => substituteVariables(String(v), context, wildcards))
    .filter((v): v is string => v !== undefined);
  if (operator.set === "ForAllValues") {
    if (absent) return { holds: true, reason: "" };
    const holds = actual.every((a) => {
      const any = expected.some((e) => compareOne(operator.base, a, e));
      return op.negated ? !any : any;
    });
    return {
      holds,
      reason: holds ? "" : `a value of ${key} is outside ${operatorText} ${JSON.stringify(policyValues)}`,
    };
  }
  if (absent) {
    const holds = operator.set === "ForAnyValue" ? false : operator.ifExists || op.negated;
    return { holds, reason: holds ? "" : `${key} is absent from the request` };
  }
  if (operator.set === "ForAnyValue") {
    const holds = actual.some((a) => {
      const any = expected.some((e) => compareOne(operator.base, a, e));
      return op.negated ? !any : any;
    });
    return {
      holds,
      reason: holds ? "" : `no value of ${key} satisfies ${operatorText} ${JSON.stringify(policyValues)}`,
    };
  }
  // A single-valued operator: any request value against any policy value (a multivalued key used without a set
  // operator behaves the same way).
  const any = actual.some((a) => expected.some((e) => compareOne(operator.base, a, e)));
  const holds = op.negated ? !any : any;
  return {
    holds,
    reason: holds
      ? ""
      : `${key} = ${JSON.stringify(actual.length === 1 ? actual[0] : actual)} fails ${operatorText} ${JSON.stringify(policyValues)}`,
  };
}

/**
 * True when every operator/key test of a Condition block holds. An operator this evaluator does not know fails the
 * block (AWS refuses such a policy), unless the caller resolves unknowns through `open` (analysis).
 */
export function conditionHolds(
  condition: Record<string, Record<string, readonly unknown[]>>,
  context: ContextLookup,
  open?: OpenKeys,
): { holds: boolean; failure?: ConditionFailure } {
  for (const [operator, block] of Object.entries(condition)) {
    const known = isKnownOperator(operator);
    for (const [key, values] of Object.entries(block)) {
      if (open?.isOpen(key) || (!known && open)) {
        if (open.resolveAs) continue;
        return { holds: false, failure: { operator, key, reason: `${key} may take any value` } };
      }
      if (!known) return { holds: false, failure: { operator, key, reason: `unknown condition operator ${operator}` } };
      const result = keyHolds(operator, key, values, context);
      if (!result.holds) return { holds: false, failure: { operator, key, reason: result.reason } };
    }
  }
  return { holds: true };
}
