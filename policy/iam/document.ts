/**
 * IAM policy documents read into one normalised shape, whichever form they arrive in: a JSON string (the `aws`
 * provider), an object (`aws-native`, tests), a single statement or a list, `Action` or `NotAction`, `Resource` or
 * `NotResource`, `Principal` or `NotPrincipal` as `"*"` or a map of principal types to a value or list.
 * (IAM JSON policy element reference, reference_policies_elements_*.html.)
 */

export type Effect = "Allow" | "Deny";

/** A principal map: `AWS`, `Federated`, `Service`, `CanonicalUser` -> values; `"*"` is kept as `{ "*": ["*"] }`. */
export type PrincipalMap = Record<string, string[]>;

export interface Statement {
  /** Position in the document (0-based), for messages. */
  index: number;
  sid?: string;
  effect: Effect;
  /** Exactly one of actions / notActions is set (an empty list when the element is absent). */
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principal?: PrincipalMap;
  notPrincipal?: PrincipalMap;
  /** operator -> key -> values, keys as written (matching is case-insensitive). */
  condition: Record<string, Record<string, unknown[]>>;
}

export interface PolicyDocument {
  version?: string;
  statements: Statement[];
}

export class PolicyDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyDocumentError";
  }
}

function list(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function strings(value: unknown, where: string): string[] {
  return list(value).map((v) => {
    if (typeof v !== "string") throw new PolicyDocumentError(`${where} holds ${JSON.stringify(v)}; expected strings`);
    return v;
  });
}

function principalMap(value: unknown, where: string): PrincipalMap | undefined {
  if (value === undefined) return undefined;
  if (value === "*") return { "*": ["*"] };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyDocumentError(`${where} must be "*" or a map such as { "Federated": "arn:..." }`);
  }
  const out: PrincipalMap = {};
  for (const [type, v] of Object.entries(value)) out[type] = strings(v, `${where}.${type}`);
  return out;
}

function conditionBlock(value: unknown, where: string): Statement["condition"] {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new PolicyDocumentError(`${where} must be an object`);
  const out: Statement["condition"] = {};
  for (const [operator, block] of Object.entries(value)) {
    if (block === null || typeof block !== "object" || Array.isArray(block)) {
      throw new PolicyDocumentError(`${where}.${operator} must map condition keys to values`);
    }
    out[operator] = {};
    for (const [key, v] of Object.entries(block)) out[operator][key] = list(v);
  }
  return out;
}

/** Parses one statement object; `index` is its position in the document. */
export function parseStatement(raw: unknown, index: number): Statement {
  const where = `Statement[${index}]`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new PolicyDocumentError(`${where} is not an object`);
  const s = raw as Record<string, unknown>;
  if (s.Effect !== "Allow" && s.Effect !== "Deny") {
    throw new PolicyDocumentError(`${where}.Effect is ${JSON.stringify(s.Effect)}; expected "Allow" or "Deny"`);
  }
  const statement: Statement = {
    index,
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: s.Effect,
    condition: conditionBlock(s.Condition, `${where}.Condition`),
  };
  if (s.NotAction !== undefined) statement.notActions = strings(s.NotAction, `${where}.NotAction`);
  else statement.actions = strings(s.Action, `${where}.Action`);
  if (s.NotResource !== undefined) statement.notResources = strings(s.NotResource, `${where}.NotResource`);
  else if (s.Resource !== undefined) statement.resources = strings(s.Resource, `${where}.Resource`);
  if (s.NotPrincipal !== undefined) statement.notPrincipal = principalMap(s.NotPrincipal, `${where}.NotPrincipal`);
  else statement.principal = principalMap(s.Principal, `${where}.Principal`);
  return statement;
}

/** Reads a policy in string or object form. Throws PolicyDocumentError naming the element at fault. */
export function parsePolicy(policy: unknown): PolicyDocument {
  let doc = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch (error) {
      throw new PolicyDocumentError(`the policy is not JSON (${(error as Error).message})`);
    }
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new PolicyDocumentError("the policy is not a JSON object");
  const d = doc as Record<string, unknown>;
  if (d.Statement === undefined) throw new PolicyDocumentError("the policy has no Statement");
  return {
    version: typeof d.Version === "string" ? d.Version : undefined,
    statements: list(d.Statement).map(parseStatement),
  };
}

/** A statement's name for messages: its Sid, or its position. */
export function statementLabel(s: Statement): string {
  return s.sid ? `statement "${s.sid}"` : `statement ${s.index}`;
}

function isParsed(d: unknown): d is PolicyDocument {
  return !!d && typeof d === "object" && Array.isArray((d as PolicyDocument).statements);
}

/** A document already read (returned as it is), or one to read. */
export function toDocument(policy: unknown): PolicyDocument {
  return isParsed(policy) ? policy : parsePolicy(policy);
}
