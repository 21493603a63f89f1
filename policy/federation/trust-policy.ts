/**
 * Who can assume an IAM role through web identity federation. Reads the trust policy (string or
 * object form), finds the statements that let an OIDC provider's tokens in, and replays hostile
 * tokens against their conditions (github-identities.ts for GitHub's issuer; a smaller set for any
 * other issuer). Returns one problem per way in, worded for the violation message.
 */
import { isUnknown, parseJson } from "../lib/values";
import { Claims, conditionsHold, pinnedValues } from "./iam-conditions";
import {
  claimsOf,
  defaultIdentity,
  GITHUB_CLAIM_NAMES,
  GitHubIdentity,
  HostileIdentity,
  hostileIdentities,
  identityFromSubject,
  subjectOf,
} from "./github-identities";

export const GITHUB_ISSUER = "token.actions.githubusercontent.com";

export interface TrustOptions {
  /** The role may admit pull_request subjects (a separate read-only role, reviewed). */
  allowPullRequests: boolean;
}

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function isWebIdentityAction(action: unknown): boolean {
  return list(action).some((a) => typeof a === "string" && /^(\*|sts:\*|sts:AssumeRoleWithWebIdentity)$/i.test(a));
}

function federatedPrincipals(principal: unknown): unknown[] {
  if (principal === "*") return ["*"];
  if (principal && typeof principal === "object") return list((principal as Record<string, unknown>).Federated);
  return [];
}

/** `arn:aws:iam::123:oidc-provider/token.actions.githubusercontent.com` -> the condition-key prefix. */
function issuerPrefix(federated: string): string {
  const m = /:oidc-provider\/(.+)$/.exec(federated);
  return m ? m[1] : federated;
}

/** The prefixes a Condition block keys on (`<prefix>:sub`), for a principal unknown during preview. */
function prefixesFromCondition(condition: unknown): string[] {
  const prefixes = new Set<string>();
  if (condition && typeof condition === "object") {
    for (const block of Object.values(condition as Record<string, unknown>)) {
      if (!block || typeof block !== "object") continue;
      for (const key of Object.keys(block)) {
        const m = /^(.+):(sub|aud)$/.exec(key);
        if (m) prefixes.add(m[1]);
      }
    }
  }
  return [...prefixes];
}

/** Statements of a policy in string or object form; none when it is unknown during preview (values-unknown-during-preview reports that). */
function parseStatements(policy: unknown): Statement[] {
  if (isUnknown(policy)) return [];
  const doc = typeof policy === "string" ? parseJson(policy) : policy;
  if (!doc || typeof doc !== "object") return [];
  return list((doc as Record<string, unknown>).Statement).filter((s): s is Statement => !!s && typeof s === "object");
}

/** Claims keyed the way IAM conditions name them. */
function keyed(prefix: string, claims: Record<string, string | undefined>): Claims {
  const out: Claims = {};
  for (const [k, v] of Object.entries(claims)) out[`${prefix}:${k}`] = v;
  return out;
}

function admits(statements: Statement[], prefix: string, claims: Claims, modelled: (key: string) => boolean): boolean {
  const applies = (s: Statement) =>
    isWebIdentityAction(s.Action) &&
    federatedPrincipals(s.Principal).some(
      (f) => f === "*" || isUnknown(f) || (typeof f === "string" && issuerPrefix(f) === prefix),
    );
  const allowed = statements.some(
    (s) => s.Effect === "Allow" && applies(s) && conditionsHold(s.Condition, claims, modelled, true),
  );
  const denied = statements.some(
    (s) => s.Effect === "Deny" && applies(s) && conditionsHold(s.Condition, claims, modelled, false),
  );
  return allowed && !denied;
}

function githubProblems(statements: Statement[], prefix: string, options: TrustOptions): string[] {
  const conditions = statements.filter((s) => s.Effect === "Allow").map((s) => s.Condition);
  const problems: string[] = [];
  // A pinned value unknown during preview is judged at update time; here it pins nothing.
  const pinned = (claim: string) =>
    conditions.flatMap((c) => pinnedValues(c, `${prefix}:${claim}`)).filter((p) => !isUnknown(p.value));
  const audiences = pinned("aud");
  const subjects = pinned("sub");
  const aud = audiences[0]?.value ?? "sts.amazonaws.com";
  const repoIds = pinned("repository_id").map((p) => p.value);
  const ownerIds = pinned("repository_owner_id").map((p) => p.value);
  for (const s of subjects) {
    if (!identityFromSubject(s.value, aud))
      problems.push(`pins sub to "${s.value}", which is not a GitHub subject (repo:OWNER/REPO:...)`);
  }
  const parsed = subjects.map((s) => identityFromSubject(s.value, aud)).filter((id): id is GitHubIdentity => !!id);
  // With nothing to read an intended workload from, any repository will do for the hostile replay.
  const legit = (parsed.length ? parsed : [defaultIdentity(aud)]).map((id) => ({
    ...id,
    repoId: repoIds[0] ?? id.repoId,
    ownerId: ownerIds[0] ?? id.ownerId,
  }));

  const modelled = (key: string) =>
    key.startsWith(`${prefix}:`) && GITHUB_CLAIM_NAMES.includes(key.slice(prefix.length + 1));
  const admitted = legit
    .flatMap((id) => hostileIdentities(id))
    .filter((h) => !(h.pullRequest && options.allowPullRequests))
    .filter((h) => admits(statements, prefix, keyed(prefix, claimsOf(h.identity)), modelled));
  const admission = describeAdmitted(admitted);
  if (!admission) return problems;
  // Say what is missing only when it lets someone in: a Deny statement can pin as well as a condition.
  if (audiences.length === 0) problems.push(`does not pin ${prefix}:aud (use StringEquals sts.amazonaws.com)`);
  if (subjects.length === 0) problems.push(`does not pin ${prefix}:sub, so any GitHub repository can assume it`);
  return [...problems, admission];
}

/** One problem listing every hostile token let in, once per kind, with an example subject. */
export function describeAdmitted(admitted: HostileIdentity[]): string | undefined {
  const byKind = new Map<string, HostileIdentity>();
  for (const h of admitted) if (!byKind.has(h.description)) byKind.set(h.description, h);
  if (byKind.size === 0) return undefined;
  const list = [...byKind.values()].map(
    (h) => `${h.description} (${h.identity.withoutSub ? "no sub" : `sub ${subjectOf(h.identity)}`})`,
  );
  return `admits ${list.join("; ")}`;
}

/** Any other OIDC issuer: aud and sub must be pinned, and no wildcard may admit another subject. */
function genericProblems(statements: Statement[], prefix: string): string[] {
  const conditions = statements.filter((s) => s.Effect === "Allow").map((s) => s.Condition);
  const audiences = conditions.flatMap((c) => pinnedValues(c, `${prefix}:aud`));
  const subjects = conditions.flatMap((c) => pinnedValues(c, `${prefix}:sub`));
  const problems: string[] = [];
  if (audiences.length === 0) problems.push(`does not pin ${prefix}:aud`);
  if (subjects.length === 0) problems.push(`does not pin ${prefix}:sub, so any identity of that issuer can assume it`);
  const aud = audiences[0]?.value ?? "legit-audience";
  const modelled = (key: string) => key === `${prefix}:sub` || key === `${prefix}:aud`;
  const hostiles: Array<[string, Record<string, string | undefined>]> = [
    ["another subject", { sub: "zz-attacker-subject", aud }],
    ["a token without a sub claim", { sub: undefined, aud }],
    [
      "a token for another audience",
      { sub: subjects[0]?.value.replace(/[*?]/g, "w") ?? "s", aud: "zz-attacker-audience" },
    ],
    ...subjects
      .filter((s) => /[*?]/.test(s.value))
      .map((s): [string, Record<string, string | undefined>] => [
        `another subject through the wildcard in "${s.value}"`,
        { sub: s.value.replace(/[*?]/g, "zz-attacker"), aud },
      ]),
  ];
  for (const [description, claims] of hostiles) {
    if (admits(statements, prefix, keyed(prefix, claims), modelled)) problems.push(`admits ${description}`);
  }
  return problems;
}

export function trustPolicyProblems(policy: unknown, options: TrustOptions): string[] {
  const statements = parseStatements(policy);
  const problems: string[] = [];
  const prefixes = new Set<string>();
  for (const s of statements) {
    if (s.Effect !== "Allow" || !isWebIdentityAction(s.Action)) continue;
    for (const f of federatedPrincipals(s.Principal)) {
      if (f === "*") problems.push('trusts every identity provider (Federated "*" or Principal "*")');
      else if (isUnknown(f)) {
        // The provider ARN is often an output; the condition keys still name the issuer.
        prefixesFromCondition(s.Condition).forEach((p) => prefixes.add(p));
      } else if (typeof f === "string") prefixes.add(issuerPrefix(f));
    }
  }
  for (const prefix of prefixes) {
    const found = prefix.startsWith(GITHUB_ISSUER)
      ? githubProblems(statements, prefix, options)
      : genericProblems(statements, prefix);
    problems.push(...found);
  }
  return [...new Set(problems)];
}
