/**
 * GitHub Actions workload identities, and the hostile ones a trust must turn away.
 *
 * A legitimate identity is read back from what a trust pins (its `sub` patterns, with wildcards
 * filled in, and its repository/owner IDs). Each hostile identity changes ONE thing an attacker
 * controls - another owner, another repository, a pull request (which a fork can open), another
 * branch, tag or environment, a branch differing only in case, the immutable subject form with
 * another owner or repository ID, a token without `sub`, a token for another audience - and
 * carries every claim consistently (repository_id changes with the repository, and so on).
 */

export interface GitHubIdentity {
  owner: string;
  ownerId: string;
  repo: string;
  repoId: string;
  /** What follows the repository in `sub`: `ref:refs/heads/main`, `environment:prod`, `pull_request`. */
  context: string;
  form: "legacy" | "immutable";
  aud: string;
  /** Drop the `sub` claim entirely (the ForAllValues trap). */
  withoutSub?: boolean;
}

export interface HostileIdentity {
  description: string;
  identity: GitHubIdentity;
  pullRequest?: boolean;
}

export function subjectOf(id: GitHubIdentity): string {
  const owner = id.form === "immutable" ? `${id.owner}@${id.ownerId}` : id.owner;
  const repo = id.form === "immutable" ? `${id.repo}@${id.repoId}` : id.repo;
  return `repo:${owner}/${repo}:${id.context}`;
}

function refOf(context: string): string {
  if (context.startsWith("ref:")) return context.slice(4);
  if (context === "pull_request") return "refs/pull/1/merge";
  return "refs/heads/main";
}

/** The token's claims, by bare claim name. */
export function claimsOf(id: GitHubIdentity): Record<string, string | undefined> {
  const ref = refOf(id.context);
  return {
    sub: id.withoutSub ? undefined : subjectOf(id),
    aud: id.aud,
    repository: `${id.owner}/${id.repo}`,
    repository_id: id.repoId,
    repository_owner: id.owner,
    repository_owner_id: id.ownerId,
    ref,
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    environment: id.context.startsWith("environment:") ? id.context.slice("environment:".length) : undefined,
    event_name: id.context === "pull_request" ? "pull_request" : "push",
    job_workflow_ref: `${id.owner}/${id.repo}/.github/workflows/deploy.yml@${ref}`,
    workflow_ref: `${id.owner}/${id.repo}/.github/workflows/deploy.yml@${ref}`,
  };
}

export const GITHUB_CLAIM_NAMES = Object.keys(
  claimsOf({ owner: "", ownerId: "", repo: "", repoId: "", context: "", form: "legacy", aud: "" }),
);

const SUBJECT = /^repo:([^/@:]+)(?:@([^/:]+))?\/([^:@]+)(?:@([^:]+))?:(.+)$/;

/**
 * What the last wildcard of a pattern may stand for, tried in turn: a plain segment, or the rest
 * of a subject (`repo:octo/*` covers `repo:octo/app:ref:refs/heads/main`, `repo:*` even more).
 */
const LAST_WILDCARD_FILLS = ["w1", "w1:ref:refs/heads/main", "w1/w1:ref:refs/heads/main"];

/** Reads an identity back from a `sub` value or pattern, wildcards filled with harmless text. */
export function identityFromSubject(pattern: string, aud: string): GitHubIdentity | undefined {
  const last = Math.max(pattern.lastIndexOf("*"), pattern.lastIndexOf("?"));
  const fills = last < 0 ? [""] : LAST_WILDCARD_FILLS;
  for (const fill of fills) {
    const filled =
      last < 0
        ? pattern
        : (pattern.slice(0, last) + "\u0000" + pattern.slice(last + 1))
            .replace(/\*/g, "w1")
            .replace(/\?/g, "w")
            .replace("\u0000", fill);
    const m = SUBJECT.exec(filled);
    if (!m) continue;
    return {
      owner: m[1],
      ownerId: m[2] ?? "1001",
      repo: m[3],
      repoId: m[4] ?? "2002",
      context: m[5],
      form: m[2] !== undefined || m[4] !== undefined ? "immutable" : "legacy",
      aud,
    };
  }
  return undefined;
}

/** The identity assumed when nothing pins `sub`: any repository at all will do for the hostile ones. */
export function defaultIdentity(aud: string): GitHubIdentity {
  return {
    owner: "example-org",
    ownerId: "1001",
    repo: "example-repo",
    repoId: "2002",
    context: "ref:refs/heads/main",
    form: "legacy",
    aud,
  };
}

function flipCase(text: string): string {
  const upper = text.toUpperCase();
  return upper !== text ? upper : text.toLowerCase();
}

export function hostileIdentities(legit: GitHubIdentity): HostileIdentity[] {
  const out: HostileIdentity[] = [
    {
      description: "a token from another owner",
      identity: { ...legit, owner: "zz-attacker-org", ownerId: "990001", repoId: "990002" },
    },
    {
      description: "a token from another repository",
      identity: { ...legit, repo: "zz-attacker-repo", repoId: "990003" },
    },
    {
      description: "a pull request (from any branch; from forks too under pull_request_target)",
      identity: { ...legit, context: "pull_request" },
      pullRequest: true,
    },
    {
      description: "a token from another branch",
      identity: { ...legit, context: "ref:refs/heads/zz-attacker-branch" },
    },
    { description: "a token from another tag", identity: { ...legit, context: "ref:refs/tags/zz-attacker-tag" } },
    { description: "a token from another environment", identity: { ...legit, context: "environment:zz-attacker-env" } },
    {
      description: "the immutable subject form with another owner ID",
      identity: { ...legit, form: "immutable", ownerId: "990004" },
    },
    {
      description: "the immutable subject form with another repository ID",
      identity: { ...legit, form: "immutable", repoId: "990005" },
    },
    { description: "a token without a sub claim", identity: { ...legit, withoutSub: true } },
    { description: "a token for another audience", identity: { ...legit, aud: "https://github.com/zz-attacker-org" } },
  ];
  // Git refs are case-sensitive: refs/heads/MAIN is another branch than refs/heads/main.
  if (legit.context.startsWith("ref:")) {
    const ref = legit.context.slice(4);
    const prefix = ref.startsWith("refs/tags/") ? "refs/tags/" : "refs/heads/";
    const flipped = prefix + flipCase(ref.slice(prefix.length));
    if (flipped !== ref)
      out.push({
        description: "a branch or tag differing only in case",
        identity: { ...legit, context: `ref:${flipped}` },
      });
  }
  return out;
}
