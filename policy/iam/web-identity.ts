/**
 * Who can assume a role through web identity federation, judged symbolically.
 *
 * For every OIDC provider a trust policy lets in (statements whose Action covers `sts:AssumeRoleWithWebIdentity`,
 * with wildcards and NotAction, and whose Principal or NotPrincipal admits the provider), each hostile class of
 * github-subjects.ts is intersected with the `sub` patterns of each Allow statement. A non-empty intersection gives a
 * witness subject; the witness becomes a full, consistent token (claims STS does not expose are left out, see
 * github.ts) and the WHOLE policy is evaluated on it by the concrete evaluator, so Deny statements, other pinned
 * claims (`repository_id`, `job_workflow_ref`, `ref`), `...IfExists`, `Null` and set operators all count exactly as
 * IAM counts them. Condition keys outside the issuer's namespace (`aws:SourceIp`, tags) are resolved in the
 * requester's favour: satisfied in an Allow, avoided in a Deny.
 */
import { isUnknown } from "../lib/values";
import { isNegatedOperator, operatorUsesWildcards, parseOperator } from "./conditions";
import { PolicyDocument, PolicyDocumentError, Statement, toDocument } from "./document";
import { evaluatePolicies, principalMatches, RequestPrincipal } from "./evaluate";
import { Glob, intersectGlobs, literalCharacters, literalGlob, wildcardGlob } from "./glob";
import { isGitHubPrefix, issuerPrefixOfProvider, webIdentityContext } from "./github";
import {
  claimsForSubject,
  FOREIGN_CLASSES,
  freshCharacters,
  HOSTILE_CLASSES,
  HOSTILE_DESCRIPTIONS,
  HostileClass,
  hostileTemplates,
  isGitHubSubject,
  parseSubject,
} from "./github-subjects";

export const WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity";

export type TrustFindingKind =
  | HostileClass
  | "noSub"
  | "anotherAudience"
  | "caseVariant"
  | "anyProvider"
  | "subjectNotPinned"
  | "audienceNotPinned"
  | "notGitHubSubject"
  | "anotherSubject"
  | "unreadable";

export interface TrustFinding {
  kind: TrustFindingKind;
  /** The condition-key prefix of the issuer concerned (`token.actions.githubusercontent.com`), when there is one. */
  issuer?: string;
  message: string;
  /** The witness: a subject the trust admits (or undefined for "no sub"). */
  example?: string;
}

export interface TrustAnalysisOptions {
  /** The role may admit pull_request subjects (a reviewed, read-only identity). */
  allowPullRequests?: boolean;
}

function keyEquals(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Positive constraints a statement puts on one key: each entry is one operator's ORed values, as globs. */
function positiveConstraints(s: Statement, key: string): Glob[][] {
  const out: Glob[][] = [];
  for (const [operator, block] of Object.entries(s.condition)) {
    const { base } = parseOperator(operator);
    if (!/^String(Equals|Like)(IgnoreCase)?$/.test(base) || isNegatedOperator(operator)) continue;
    for (const [k, values] of Object.entries(block)) {
      if (!keyEquals(k, key)) continue;
      const ignoreCase = base.endsWith("IgnoreCase");
      const wildcards = operatorUsesWildcards(operator);
      out.push(
        values.map((v) => (wildcards ? wildcardGlob(String(v), ignoreCase) : literalGlob(String(v), ignoreCase))),
      );
    }
  }
  return out;
}

/** Literal values a statement pins a key to with a positive, wildcard-free test. */
function pinnedLiterals(s: Statement, key: string): string[] {
  const out: string[] = [];
  for (const [operator, block] of Object.entries(s.condition)) {
    const { base, set } = parseOperator(operator);
    if (isNegatedOperator(operator) || set === "ForAllValues" || !/^String(Equals|Like)$/.test(base)) continue;
    for (const [k, values] of Object.entries(block))
      if (keyEquals(k, key)) out.push(...values.map(String).filter((v) => base === "StringEquals" || !/[*?]/.test(v)));
  }
  return out.filter((v) => !isUnknown(v));
}

function* combinations(lists: Glob[][], limit = 64): Generator<Glob[]> {
  let count = 0;
  const walk = function* (i: number, acc: Glob[]): Generator<Glob[]> {
    if (count >= limit) return;
    if (i === lists.length) {
      count++;
      yield acc;
      return;
    }
    for (const g of lists[i]) yield* walk(i + 1, [...acc, g]);
  };
  yield* walk(0, []);
}

/** The providers a statement's principal names, as condition-key prefixes; "*" for every provider. */
function providerPrefixes(s: Statement): string[] {
  if (s.notPrincipal) return ["*"];
  const p = s.principal;
  if (!p) return [];
  if (p["*"] || p.AWS?.includes("*")) return ["*"];
  const out: string[] = [];
  for (const f of p.Federated ?? []) {
    if (f === "*") out.push("*");
    else if (isUnknown(f)) out.push(...prefixesFromCondition(s));
    else out.push(issuerPrefixOfProvider(f) ?? f);
  }
  return out;
}

/** The issuers a Condition block keys on (`<prefix>:sub`, `<prefix>:aud`): for a provider ARN unknown during preview. */
function prefixesFromCondition(s: Statement): string[] {
  const prefixes = new Set<string>();
  for (const block of Object.values(s.condition))
    for (const key of Object.keys(block)) {
      const m = /^(.+):(sub|aud)$/i.exec(key);
      if (m) prefixes.add(m[1]);
    }
  return [...prefixes];
}

function appliesToWebIdentity(s: Statement): boolean {
  const probe = { action: WEB_IDENTITY_ACTION };
  return evaluatePolicies({ statements: [{ ...s, effect: "Allow", condition: {} }] }, probe).decision === "allow";
}

/** The principal STS names for a provider: the ARN as the policy spells it, so that Principal matching is exact. */
function principalFor(doc: PolicyDocument, prefix: string): RequestPrincipal {
  for (const s of doc.statements)
    for (const f of s.principal?.Federated ?? [])
      if (!isUnknown(f) && issuerPrefixOfProvider(f) === prefix) return { type: "Federated", id: f };
  return { type: "Federated", id: `arn:aws:iam::000000000000:oidc-provider/${prefix}` };
}

interface Analysis {
  doc: PolicyDocument;
  prefix: string;
  principal: RequestPrincipal;
  allows: Statement[];
}

function admitted(a: Analysis, claims: Record<string, string | undefined>): boolean {
  const prefix = a.prefix.toLowerCase();
  // A provider ARN unknown during preview is the provider the condition keys name: it matches.
  const doc = {
    statements: a.doc.statements.map((s) =>
      s.principal?.Federated?.some(isUnknown) ? { ...s, principal: { "*": ["*"] } } : s,
    ),
  };
  const decision = evaluatePolicies(
    doc,
    { action: WEB_IDENTITY_ACTION, principal: a.principal, context: webIdentityContext(a.prefix, claims) },
    { open: { isOpen: (key) => !key.toLowerCase().startsWith(`${prefix}:`) } },
  );
  return decision.decision === "allow";
}

function describe(kind: TrustFindingKind, example: string | undefined): string {
  const what = HOSTILE_DESCRIPTIONS[kind as keyof typeof HOSTILE_DESCRIPTIONS];
  return `admits ${what} (${example === undefined ? "no sub" : `sub ${example}`})`;
}

function githubFindings(a: Analysis, options: TrustAnalysisOptions): TrustFinding[] {
  const subKey = `${a.prefix}:sub`;
  const audKey = `${a.prefix}:aud`;
  const allSubGlobs = a.allows.flatMap((s) => positiveConstraints(s, subKey).flat());
  const fresh = freshCharacters(literalCharacters(allSubGlobs));
  const found = new Map<TrustFindingKind, TrustFinding>();
  const add = (kind: TrustFindingKind, example: string | undefined) => {
    if (!found.has(kind)) found.set(kind, { kind, issuer: a.prefix, message: describe(kind, example), example });
  };

  for (const s of a.allows) {
    const subs = positiveConstraints(s, subKey);
    const aud = pinnedLiterals(s, audKey)[0] ?? "sts.amazonaws.com";
    const trustedRepositoryId = pinnedLiterals(s, `${a.prefix}:repository_id`)[0];
    for (const cls of HOSTILE_CLASSES) {
      if (found.has(cls) || (cls === "pullRequest" && options.allowPullRequests)) continue;
      if (cls === "anotherOwnerId" && found.has("anotherOwner")) continue;
      if (cls === "anotherRepositoryId" && (found.has("anotherRepository") || found.has("anotherOwner"))) continue;
      const foreign = FOREIGN_CLASSES.has(cls);
      for (const template of hostileTemplates(cls, fresh)) {
        let hit: string | undefined;
        for (const picks of combinations(subs)) {
          const witness = intersectGlobs([template, ...picks]);
          if (witness === undefined) continue;
          const environmentRef = cls === "anyEnvironment" ? `refs/heads/${fresh[0]}-branch` : undefined;
          const claims = claimsForSubject(witness, { aud, foreign, trustedRepositoryId, environmentRef });
          if (admitted(a, claims)) {
            hit = witness;
            break;
          }
        }
        if (hit !== undefined) {
          add(cls, hit);
          break;
        }
      }
    }
    // A branch or tag differing only in case: IgnoreCase turns refs/heads/main into MAIN as well.
    for (const globs of subs)
      for (const g of globs) {
        if (!g.ignoreCase || found.has("caseVariant")) continue;
        const text = g.tokens.map((t) => (t.kind === "char" ? t.ch : "x")).join("");
        const parsed = parseSubject(text);
        if (!parsed?.context.startsWith("ref:refs/")) continue;
        const [, kind, name] = /^ref:refs\/(heads|tags)\/(.*)$/.exec(parsed.context) ?? [];
        if (name === undefined) continue;
        const flipped = name.toUpperCase() !== name ? name.toUpperCase() : name.toLowerCase();
        if (flipped === name) continue;
        const witness = text.replace(parsed.context, `ref:refs/${kind}/${flipped}`);
        if (admitted(a, claimsForSubject(witness, { aud, foreign: false, trustedRepositoryId })))
          add("caseVariant", witness);
      }
    // A token without sub: GitHub always sends one, but ForAllValues:/...IfExists on sub in an Allow is the trap
    // AWS and configure-aws-credentials warn about; judge it as IAM would if the key were absent.
    const legit = subs.flat().map((g) => g.tokens.map((t) => (t.kind === "char" ? t.ch : "x")).join(""));
    const sample = legit.find(isGitHubSubject) ?? "repo:example-org/example-repo:ref:refs/heads/main";
    const withoutSub = { ...claimsForSubject(sample, { aud, foreign: false, trustedRepositoryId }), sub: undefined };
    if (!found.has("noSub") && admitted(a, withoutSub)) add("noSub", undefined);
    const otherAudience = {
      ...claimsForSubject(sample, { aud: `${fresh[0]}-audience`, foreign: false, trustedRepositoryId }),
    };
    if (!found.has("anotherAudience") && admitted(a, otherAudience)) add("anotherAudience", sample);
  }

  const findings: TrustFinding[] = [];
  const pinsSub = a.allows.every((s) => positiveConstraints(s, subKey).length > 0);
  const pinsAud = a.allows.some((s) => pinnedLiterals(s, audKey).length > 0);
  if (found.size > 0) {
    if (!pinsAud)
      findings.push({
        kind: "audienceNotPinned",
        issuer: a.prefix,
        message: `does not pin ${audKey} (use StringEquals sts.amazonaws.com)`,
      });
    if (!pinsSub)
      findings.push({
        kind: "subjectNotPinned",
        issuer: a.prefix,
        message: `does not pin ${subKey}, so any GitHub repository can assume it`,
      });
  }
  for (const s of a.allows)
    for (const v of pinnedLiterals(s, subKey))
      if (!/[*?]/.test(v) && !isGitHubSubject(v))
        findings.push({
          kind: "notGitHubSubject",
          issuer: a.prefix,
          message: `pins sub to "${v}", which is not a GitHub subject (repo:OWNER/REPO:...)`,
        });
  return [...findings, ...found.values()];
}

/** Any other OIDC issuer: aud and sub must be pinned, and no wildcard in sub may admit another subject. */
function genericFindings(a: Analysis): TrustFinding[] {
  const subKey = `${a.prefix}:sub`;
  const audKey = `${a.prefix}:aud`;
  const findings: TrustFinding[] = [];
  if (!a.allows.some((s) => pinnedLiterals(s, audKey).length > 0))
    findings.push({ kind: "audienceNotPinned", issuer: a.prefix, message: `does not pin ${audKey}` });
  if (!a.allows.every((s) => positiveConstraints(s, subKey).length > 0))
    findings.push({
      kind: "subjectNotPinned",
      issuer: a.prefix,
      message: `does not pin ${subKey}, so any identity of that issuer can assume it`,
    });
  const globs = a.allows.flatMap((s) => positiveConstraints(s, subKey).flat());
  const fresh = freshCharacters(literalCharacters(globs));
  for (const s of a.allows) {
    const aud = pinnedLiterals(s, audKey)[0] ?? "legit-audience";
    for (const picks of combinations(positiveConstraints(s, subKey))) {
      const wild = picks.find((g) => g.tokens.some((t) => t.kind !== "char"));
      if (!wild) continue;
      const witness = intersectGlobs([
        ...picks,
        { tokens: [{ kind: "any" }, { kind: "class", include: fresh }, { kind: "any" }] },
      ]);
      if (witness === undefined || !admitted(a, { sub: witness, aud })) continue;
      const pattern = wild.tokens.map((t) => (t.kind === "char" ? t.ch : t.kind === "one" ? "?" : "*")).join("");
      findings.push({
        kind: "anotherSubject",
        issuer: a.prefix,
        message: `admits another subject through the wildcard in "${pattern}" (sub ${witness})`,
        example: witness,
      });
      break;
    }
  }
  return findings;
}

/**
 * Every way in a trust policy leaves for a token it should not admit. Returns no finding for a policy that admits
 * no web identity (service and account roles), and one finding for a policy that cannot be read.
 */
export function analyseWebIdentityTrust(policy: unknown, options: TrustAnalysisOptions = {}): TrustFinding[] {
  if (isUnknown(policy)) return [];
  let doc: PolicyDocument;
  try {
    doc = toDocument(policy);
  } catch (error) {
    if (error instanceof PolicyDocumentError)
      return [{ kind: "unreadable", message: `cannot be read: ${error.message}` }];
    throw error;
  }
  const allows = doc.statements.filter((s) => s.effect === "Allow" && appliesToWebIdentity(s));
  const findings: TrustFinding[] = [];
  const prefixes = new Set<string>();
  let everyProvider = false;
  for (const s of allows) {
    for (const prefix of providerPrefixes(s)) {
      if (prefix === "*") everyProvider = true;
      else prefixes.add(prefix);
    }
  }
  if (everyProvider) {
    findings.push({
      kind: "anyProvider",
      message: 'trusts every identity provider (Federated "*", Principal "*" or NotPrincipal)',
    });
    for (const s of allows) prefixesFromCondition(s).forEach((p) => prefixes.add(p));
  }
  for (const prefix of prefixes) {
    const principal = principalFor(doc, prefix);
    const applicable = allows.filter((s) =>
      s.notPrincipal
        ? !principalMatches(s.notPrincipal, principal)
        : s.principal && (principalMatches(s.principal, principal) || s.principal.Federated?.some(isUnknown)),
    );
    const analysis: Analysis = { doc, prefix, principal, allows: applicable };
    findings.push(...(isGitHubPrefix(prefix) ? githubFindings(analysis, options) : genericFindings(analysis)));
  }
  return findings;
}
