/**
 * `aws.iam.getPolicyDocument`, computed as the provider computes it: the AWS provider's `aws_iam_policy_document`
 * data source (terraform-provider-aws, internal/service/iam/policy_document_data_source.go and iam_policy_model.go).
 * It is a pure function of its arguments, so a preview gets the real document, and the policy gate judges the
 * policy the program will deploy.
 *
 * Faithful to the provider: statements merge source documents first, then the program's statements, then override
 * documents (a statement with the same Sid replaces the earlier one); set-valued lists (actions, resources,
 * identifiers) are de-duplicated and sorted in reverse, and a list of one becomes a string; condition values keep
 * their order; `&{` becomes `${`; `Sid` is always written (empty when unset); `json` is indented by two spaces
 * and `minifiedJson` is not; `id` is the CRC-32 of `json`.
 */

interface PrincipalArgs {
  type?: string;
  identifiers?: string[];
}
interface ConditionArgs {
  test?: string;
  variable?: string;
  values?: string[];
}
interface StatementArgs {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: PrincipalArgs[];
  notPrincipals?: PrincipalArgs[];
  conditions?: ConditionArgs[];
}
export interface PolicyDocumentArgs {
  version?: string;
  policyId?: string;
  statements?: StatementArgs[];
  sourcePolicyDocuments?: string[];
  overridePolicyDocuments?: string[];
}

type StringOrList = string | string[];
interface Statement {
  Sid: string;
  Effect?: string;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, StringOrList>>;
}
interface Document {
  Version?: string;
  Id?: string;
  Statement: Statement[];
}

/** A Terraform set of strings: unique, and written as one string or a reverse-sorted list. */
function decodeSet(values: string[] | undefined): StringOrList | undefined {
  const unique = [...new Set(values ?? [])];
  if (unique.length === 0) return undefined;
  if (unique.length === 1) return unique[0];
  return unique.sort().reverse();
}

function replaceVariables(value: StringOrList, version: string): StringOrList {
  const replace = (text: string) => {
    if (version === "2008-10-17" && text.includes("&{")) {
      throw new Error(`found &{ sequence in (${text}), which is not supported in document version 2008-10-17`);
    }
    return text.split("&{").join("${");
  };
  return Array.isArray(value) ? value.map(replace) : replace(value);
}

/** Principals of one type merge; a single `*` of type `*` is written as the string "*". */
function principals(list: PrincipalArgs[] | undefined, version: string): unknown {
  if (!list || list.length === 0) return undefined;
  if (list.length === 1 && list[0]!.type === "*") {
    const ids = decodeSet(list[0]!.identifiers);
    if (ids === "*" || (Array.isArray(ids) && ids.length === 1 && ids[0] === "*")) return "*";
  }
  const byType: Record<string, StringOrList> = {};
  for (const principal of list) {
    const type = principal.type ?? "";
    const ids = replaceVariables(decodeSet(principal.identifiers) ?? [], version);
    const existing = byType[type];
    if (existing === undefined) byType[type] = ids;
    else byType[type] = [...(Array.isArray(existing) ? existing : [existing]), ...(Array.isArray(ids) ? ids : [ids])];
  }
  return sortKeys(byType);
}

function conditions(list: ConditionArgs[] | undefined, version: string): Statement["Condition"] {
  if (!list || list.length === 0) return undefined;
  const byTest: Record<string, Record<string, StringOrList>> = {};
  for (const condition of list) {
    const test = (byTest[condition.test ?? ""] ??= {});
    const values = replaceVariables(condition.values ?? [], version) as string[];
    const existing = test[condition.variable ?? ""];
    if (Array.isArray(existing)) existing.push(...values);
    else test[condition.variable ?? ""] = values.length === 1 ? values[0]! : [...values];
  }
  return sortKeys(Object.fromEntries(Object.entries(byTest).map(([test, variables]) => [test, sortKeys(variables)])));
}

/** Go's encoding/json writes map keys in sorted order. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]!]),
  );
}

function statement(args: StatementArgs, version: string): Statement {
  const resources = decodeSet(args.resources);
  const notResources = decodeSet(args.notResources);
  const result: Statement = {
    Sid: args.sid ?? "",
    Effect: args.effect ?? "Allow",
    Action: decodeSet(args.actions),
    NotAction: decodeSet(args.notActions),
    Resource: resources === undefined ? undefined : replaceVariables(resources, version),
    NotResource: notResources === undefined ? undefined : replaceVariables(notResources, version),
    Principal: principals(args.principals, version),
    NotPrincipal: principals(args.notPrincipals, version),
    Condition: conditions(args.conditions, version),
  };
  return withoutUndefined(result);
}

function parseDocument(json: string, what: string): Document {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`writing IAM Policy Document: merging ${what}: ${(error as Error).message}`, { cause: error });
  }
  const doc = parsed as { Version?: string; Id?: string; Statement?: unknown };
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []) as Record<
    string,
    unknown
  >[];
  return {
    ...(doc.Version ? { Version: doc.Version } : {}),
    ...(doc.Id ? { Id: doc.Id } : {}),
    Statement: statements.map(roundTrip),
  };
}

/**
 * A statement read from JSON as the provider reads and rewrites it (IAMPolicyStatement's JSON methods): fields in
 * the struct's order, principal identifiers reverse-sorted, condition values always lists.
 */
function roundTrip(raw: Record<string, unknown>): Statement {
  const principal = (value: unknown): unknown => {
    if (value === undefined) return undefined;
    if (typeof value === "string") return "*";
    const record = value as Record<string, StringOrList>;
    return sortKeys(
      Object.fromEntries(
        Object.entries(record).map(([type, ids]) => [type, Array.isArray(ids) ? [...ids].sort().reverse() : ids]),
      ),
    );
  };
  const condition = (value: unknown): Statement["Condition"] => {
    if (value === undefined) return undefined;
    const tests = value as Record<string, Record<string, StringOrList>>;
    return sortKeys(
      Object.fromEntries(
        Object.entries(tests).map(([test, variables]) => [
          test,
          sortKeys(
            Object.fromEntries(
              Object.entries(variables).map(([variable, values]) => [
                variable,
                Array.isArray(values) ? values : [values],
              ]),
            ),
          ),
        ]),
      ),
    );
  };
  const result: Statement = {
    Sid: typeof raw.Sid === "string" ? raw.Sid : "",
    Effect: (raw.Effect as string | undefined) || undefined,
    Action: raw.Action as StringOrList | undefined,
    NotAction: raw.NotAction as StringOrList | undefined,
    Resource: raw.Resource as StringOrList | undefined,
    NotResource: raw.NotResource as StringOrList | undefined,
    Principal: principal(raw.Principal),
    NotPrincipal: principal(raw.NotPrincipal),
    Condition: condition(raw.Condition),
  };
  return withoutUndefined(result);
}

function withoutUndefined(statement: Statement): Statement {
  return Object.fromEntries(Object.entries(statement).filter(([, value]) => value !== undefined)) as Statement;
}

/** IAMPolicyDoc.Merge: adopt the newer Id and Version; a statement with a known Sid replaces it, others append. */
function merge(into: Document, next: Document): void {
  if (next.Id) into.Id = next.Id;
  if ((next.Version ?? "") > (into.Version ?? "")) into.Version = next.Version;
  for (const candidate of next.Statement) {
    const index = candidate.Sid ? into.Statement.findIndex((existing) => existing.Sid === candidate.Sid) : -1;
    if (index >= 0) into.Statement[index] = candidate;
    else into.Statement.push(candidate);
  }
}

/** Go's json.Marshal escapes <, > and & for HTML safety; the provider's output has them escaped too. */
function goJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/** hashcode.String in the provider: the CRC-32 (IEEE) of the text, as a non-negative integer. */
function crc32(text: string): number {
  let crc = ~0;
  for (const byte of Buffer.from(text, "utf8")) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

export function getPolicyDocument(args: PolicyDocumentArgs): Record<string, unknown> {
  const version = args.version ?? "2012-10-17";
  if (version !== "2012-10-17" && version !== "2008-10-17") {
    throw new Error(`version must be 2012-10-17 or 2008-10-17, got ${JSON.stringify(version)}`);
  }
  const merged: Document = { Statement: [] };
  const sids = new Set<string>();
  (args.sourcePolicyDocuments ?? []).forEach((json, index) => {
    const source = parseDocument(json, `source document ${index}`);
    source.Statement.forEach((s, statementIndex) => {
      if (s.Sid && sids.has(s.Sid)) {
        throw new Error(
          `writing IAM Policy Document: merging source document ${index}: duplicate Sid (${s.Sid}) in source_policy_documents (statement ${statementIndex}). Remove the Sid or ensure Sids are unique.`,
        );
      }
      if (s.Sid) sids.add(s.Sid);
    });
    merge(merged, source);
  });
  const own: Document = { Version: version, ...(args.policyId ? { Id: args.policyId } : {}), Statement: [] };
  const ownSids = new Set<string>();
  for (const s of args.statements ?? []) {
    if (s.sid !== undefined && ownSids.has(s.sid)) {
      throw new Error(
        `writing IAM Policy Document: duplicate Sid (${s.sid}). Remove the Sid or ensure the Sid is unique.`,
      );
    }
    if (s.sid) ownSids.add(s.sid);
    own.Statement.push(statement(s, version));
  }
  merge(merged, own);
  (args.overridePolicyDocuments ?? []).forEach((json, index) =>
    merge(merged, parseDocument(json, `override document ${index}`)),
  );

  const ordered = {
    ...(merged.Version ? { Version: merged.Version } : {}),
    ...(merged.Id ? { Id: merged.Id } : {}),
    Statement: merged.Statement,
  };
  const json = goJson(ordered, 2);
  return {
    id: String(crc32(json)),
    json,
    minifiedJson: goJson(ordered),
    version,
    ...(args.policyId ? { policyId: args.policyId } : {}),
    ...(args.statements ? { statements: args.statements } : {}),
    ...(args.sourcePolicyDocuments ? { sourcePolicyDocuments: args.sourcePolicyDocuments } : {}),
    ...(args.overridePolicyDocuments ? { overridePolicyDocuments: args.overridePolicyDocuments } : {}),
  };
}
