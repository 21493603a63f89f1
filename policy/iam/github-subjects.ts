/**
 * GitHub Actions `sub` claims as the analysis sees them: the shapes a hostile token can take, written as templates
 * over the pattern language of glob.ts, and the full set of claims a token with a given subject carries.
 *
 * `sub` is `repo:OWNER/REPO:CONTEXT`, or `repo:OWNER@OWNER_ID/REPO@REPO_ID:CONTEXT` in the immutable form, with
 * CONTEXT `environment:NAME` (a job that names an environment), `pull_request` (a pull-request event without one),
 * or `ref:refs/heads/BRANCH` / `ref:refs/tags/TAG` ("OpenID Connect reference", GitHub Docs). Owner and repository
 * names hold no `/`, `:` or `@`.
 *
 * Each hostile class changes one thing an attacker controls. Its template puts a FRESH character (one the trust's
 * patterns never spell out) where that thing lives: since a fresh character can only be matched by a wildcard, a
 * trust pattern admits the class exactly when its intersection with the template is not empty. No attacker name is
 * guessed: the witness is whatever string both the template and the trust admit.
 */
import { GlobToken, templateGlob, type Glob } from "./glob";

export type HostileClass =
  | "anotherOwner"
  | "anotherOwnerId"
  | "anotherRepository"
  | "anotherRepositoryId"
  | "pullRequest"
  | "anyBranch"
  | "anyTag"
  | "anyEnvironment";

/** Every hostile class, in the order findings are reported. */
export const HOSTILE_CLASSES: readonly HostileClass[] = [
  "anotherOwner",
  "anotherRepository",
  "anotherOwnerId",
  "anotherRepositoryId",
  "pullRequest",
  "anyBranch",
  "anyTag",
  "anyEnvironment",
];

export const HOSTILE_DESCRIPTIONS: Record<HostileClass | "noSub" | "anotherAudience" | "caseVariant", string> = {
  anotherOwner: "a token from another owner",
  anotherOwnerId: "the immutable subject form with another owner ID",
  anotherRepository: "a token from another repository",
  anotherRepositoryId: "the immutable subject form with another repository ID",
  pullRequest: "a pull request (from any branch; from forks too under pull_request_target)",
  anyBranch: "a token from another branch (any branch anyone with write access pushes)",
  anyTag: "a token from another tag",
  anyEnvironment: "a token from another environment (a job may name an environment that does not exist yet)",
  noSub: "a token without a sub claim",
  anotherAudience: "a token for another audience",
  caseVariant: "a branch or tag differing only in case (git refs are case-sensitive)",
};

/** Classes whose token comes from a repository other than the trusted one. */
export const FOREIGN_CLASSES: ReadonlySet<HostileClass> = new Set([
  "anotherOwner",
  "anotherOwnerId",
  "anotherRepository",
  "anotherRepositoryId",
]);

/** Characters of GitHub owner and repository names. */
const NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
const SEGMENT: GlobToken = { kind: "run", exclude: "/:@" };
/** A non-empty name: names are never empty. */
const NAME: GlobToken[] = [{ kind: "class", include: NAME_CHARACTERS }, SEGMENT];
const ANY: GlobToken = { kind: "any" };
/** The rest of a ref or environment name: git refs hold no `:` (git-check-ref-format), nor do subjects' names. */
const REST: GlobToken = { kind: "run", exclude: ":" };

/** The template of one hostile class, in both subject forms where the class exists in both. */
export function hostileTemplates(cls: HostileClass, fresh: string): Glob[] {
  const f: GlobToken = { kind: "class", include: fresh };
  const changed = [SEGMENT, f, SEGMENT];
  const legacy = (owner: GlobToken[], repo: GlobToken[], context: Array<string | GlobToken>) =>
    templateGlob(["repo:", ...owner, "/", ...repo, ":", ...context]);
  const immutable = (ownerId: GlobToken[], repoId: GlobToken[], context: Array<string | GlobToken>) =>
    templateGlob(["repo:", ...NAME, "@", ...ownerId, "/", ...NAME, "@", ...repoId, ":", ...context]);
  const contexts: Record<string, Array<string | GlobToken>> = {
    pullRequest: ["pull_request"],
    anyBranch: ["ref:refs/heads/", f, REST],
    anyTag: ["ref:refs/tags/", f, REST],
    anyEnvironment: ["environment:", f, REST],
  };
  switch (cls) {
    case "anotherOwner":
      return [legacy(changed, NAME, [ANY])];
    case "anotherRepository":
      return [legacy(NAME, changed, [ANY])];
    case "anotherOwnerId":
      return [immutable(changed, NAME, [ANY])];
    case "anotherRepositoryId":
      return [immutable(NAME, changed, [ANY])];
    default:
      return [legacy(NAME, NAME, contexts[cls]), immutable(NAME, NAME, contexts[cls])];
  }
}

export interface ParsedSubject {
  owner: string;
  ownerId?: string;
  repo: string;
  repoId?: string;
  context: string;
}

const SUBJECT = /^repo:([^/:@]*)(?:@([^/:@]*))?\/([^/:@]*)(?:@([^/:@]*))?:(.*)$/s;

export function parseSubject(subject: string): ParsedSubject | undefined {
  const m = SUBJECT.exec(subject);
  if (!m) return undefined;
  return { owner: m[1], ownerId: m[2], repo: m[3], repoId: m[4], context: m[5] };
}

/** True for a literal `sub` value in GitHub's shape. */
export function isGitHubSubject(subject: string): boolean {
  const parsed = parseSubject(subject);
  return !!parsed && parsed.owner !== "" && parsed.repo !== "" && parsed.context !== "";
}

/** Characters tried as fresh ones, most readable first. */
const FRESH_POOL = "qxzjkvwybgfhmpudtcnslroaie0123456789";

/** The fresh characters for a set of patterns: ones none of them spells out (a wildcard must stand for them). */
export function freshCharacters(literals: Set<string>): string {
  const fresh = [...FRESH_POOL].filter((c) => !literals.has(c) && !literals.has(c.toUpperCase())).join("");
  return fresh || "~^";
}

export interface GitHubClaims {
  [claim: string]: string | undefined;
}

/**
 * Every claim a GitHub token with this subject carries, consistent with it: repository and IDs, ref (a pull request
 * runs at `refs/pull/N/merge`; an environment job at the branch that ran it), `job_workflow_ref` (the job's workflow
 * at the job's ref). `foreign` says the token comes from another repository than the trusted one.
 */
export function claimsForSubject(
  subject: string,
  options: { aud: string; foreign: boolean; trustedRepositoryId?: string; environmentRef?: string },
): GitHubClaims {
  const s = parseSubject(subject)!;
  const numeric = (id: string | undefined) => (id !== undefined && /^\d+$/.test(id) ? id : undefined);
  const repositoryId = numeric(s.repoId) ?? (options.foreign ? "990002" : (options.trustedRepositoryId ?? "2002"));
  const ownerId = numeric(s.ownerId) ?? (options.foreign ? "990001" : "1001");
  let ref = "refs/heads/main";
  let environment: string | undefined;
  if (s.context.startsWith("ref:")) ref = s.context.slice(4);
  else if (s.context === "pull_request") ref = "refs/pull/1/merge";
  else if (s.context.startsWith("environment:")) {
    environment = s.context.slice("environment:".length);
    ref = options.environmentRef ?? "refs/heads/main";
  }
  const repository = `${s.owner}/${s.repo}`;
  return {
    sub: subject,
    aud: options.aud,
    repository,
    repository_id: repositoryId,
    repository_owner: s.owner,
    repository_owner_id: ownerId,
    ref,
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    environment,
    event_name: s.context === "pull_request" ? "pull_request" : "push",
    job_workflow_ref: `${repository}/.github/workflows/deploy.yml@${ref}`,
    workflow_ref: `${repository}/.github/workflows/deploy.yml@${ref}`,
    workflow: "deploy",
    actor: options.foreign ? `${s.owner}-member` : "repository-writer",
    actor_id: options.foreign ? "990003" : "3003",
  };
}
