/**
 * GitHub Actions OIDC subject claims, built from typed filters.
 *
 * One place decides what a `sub` claim looks like, so the AWS trust policies, the Entra federated credentials and the
 * config validation all agree. The rules come from GitHub's documentation and from the ways other modules get it
 * wrong: no wildcard in the owner or repository part, never `*` alone, `StringLike` only when the caller asks for a
 * wildcard, and the immutable `repo:OWNER@ID/REPO@ID:` form for repositories that send it.
 */

import { ENTRA_TOKEN_EXCHANGE_AUDIENCE, GITHUB_ISSUER_HOST } from "../worker/src/contract";

/** GitHub's public OIDC issuer (the shared contract's). An enterprise with a custom issuer appends `/<enterprise slug>`. */
export { GITHUB_ISSUER_HOST };

/** The audience `aws-actions/configure-aws-credentials` asks for. */
export const AWS_STS_AUDIENCE = "sts.amazonaws.com";

/** The audience Entra expects in every federated assertion, and the one `azure/login` asks for. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = ENTRA_TOKEN_EXCHANGE_AUDIENCE;

/** Entra refuses a 21st federated identity credential on one app registration or managed identity. */
export const MAX_FEDERATED_CREDENTIALS = 20;

/** GitHub user and organisation names: alphanumerics and single hyphens, at most 39 characters. */
export const GITHUB_OWNER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub repository names: letters, digits, `.`, `_` and `-`, at most 100 characters, not `.` or `..`. */
export const GITHUB_REPOSITORY_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
/** GitHub Enterprise Cloud slugs as they appear in a custom issuer URL. */
export const GITHUB_ENTERPRISE_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
/** Numeric database IDs of owners and repositories (the immutable subject form). */
export const GITHUB_ID_PATTERN = /^[1-9][0-9]{0,19}$/;

/** Which form of `sub` claim the repository sends (its `sub_claim_prefix`). */
export type SubjectFormat = "legacy" | "immutable";

/** The repository whose workflows are trusted. */
export interface GitHubRepositoryRef {
  readonly owner: string;
  readonly repository: string;
  /** Numeric owner ID; required for the immutable form. */
  readonly ownerId?: string;
  /** Numeric repository ID; required for the immutable form and for pinning `repository_id`. */
  readonly repositoryId?: string;
  /** Default `legacy` (`repo:OWNER/REPO:`); `immutable` gives `repo:OWNER@ID/REPO@ID:`. */
  readonly subjectFormat?: SubjectFormat;
}

/**
 * One trusted kind of workflow run. `wildcard: true` allows `*` and `?` in the value (and only there), which turns
 * the condition into `StringLike`; without it the value is matched exactly.
 */
export type SubjectFilter =
  | { readonly kind: "branch"; readonly branch: string; readonly wildcard?: boolean }
  | { readonly kind: "tag"; readonly tag: string; readonly wildcard?: boolean }
  | { readonly kind: "environment"; readonly environment: string; readonly wildcard?: boolean }
  | { readonly kind: "pullRequest" };

/** A built subject claim and whether it needs `StringLike`. */
export interface Subject {
  readonly value: string;
  readonly wildcard: boolean;
}

/** Thrown for any input that would produce a subject trusting more than the caller meant. */
export class SubjectError extends Error {
  constructor(
    message: string,
    /** The argument at fault (`owner`, `repositoryId`…), when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "SubjectError";
  }
}

const WILDCARD_CHARACTERS = /[*?]/;

/** `https://token.actions.githubusercontent.com` or the enterprise's own issuer. */
export function githubIssuerUrl(enterpriseSlug?: string): string {
  return `https://${githubIssuerPath(enterpriseSlug)}`;
}

/**
 * The prefix of the IAM condition keys for the issuer: AWS names keys after the provider URL without its scheme, so
 * an enterprise issuer changes `token.actions.githubusercontent.com:sub` into
 * `token.actions.githubusercontent.com/<slug>:sub`.
 */
export function githubConditionKeyPrefix(enterpriseSlug?: string): string {
  return githubIssuerPath(enterpriseSlug);
}

function githubIssuerPath(enterpriseSlug?: string): string {
  if (enterpriseSlug === undefined || enterpriseSlug === "") return GITHUB_ISSUER_HOST;
  if (!GITHUB_ENTERPRISE_SLUG_PATTERN.test(enterpriseSlug)) {
    throw new SubjectError(
      `enterpriseSlug "${enterpriseSlug}" is not a GitHub Enterprise slug (lower-case letters, digits and hyphens)`,
      "enterpriseSlug",
    );
  }
  return `${GITHUB_ISSUER_HOST}/${enterpriseSlug}`;
}

/** Checks owner, repository and IDs; returns the `repo:…` prefix in the repository's subject format. */
export function repositorySubjectPrefix(repo: GitHubRepositoryRef): string {
  checkRepositoryRef(repo);
  if ((repo.subjectFormat ?? "legacy") === "legacy") return `repo:${repo.owner}/${repo.repository}`;
  return `repo:${repo.owner}@${repo.ownerId}/${repo.repository}@${repo.repositoryId}`;
}

/** Validates a repository reference; throws a {@link SubjectError} naming the offending field. */
export function checkRepositoryRef(repo: GitHubRepositoryRef): void {
  if (WILDCARD_CHARACTERS.test(repo.owner) || WILDCARD_CHARACTERS.test(repo.repository)) {
    throw new SubjectError(
      `owner/repository "${repo.owner}/${repo.repository}" contains a wildcard: a subject must name exactly one repository`,
      WILDCARD_CHARACTERS.test(repo.owner) ? "owner" : "repository",
    );
  }
  if (!GITHUB_OWNER_PATTERN.test(repo.owner)) {
    throw new SubjectError(`owner "${repo.owner}" is not a GitHub user or organisation name`, "owner");
  }
  if (!GITHUB_REPOSITORY_PATTERN.test(repo.repository)) {
    throw new SubjectError(`repository "${repo.repository}" is not a GitHub repository name`, "repository");
  }
  for (const [field, value] of [
    ["ownerId", repo.ownerId],
    ["repositoryId", repo.repositoryId],
  ] as const) {
    if (value !== undefined && !GITHUB_ID_PATTERN.test(value)) {
      throw new SubjectError(
        `${field} "${value}" must be the numeric GitHub ID (digits only, never a wildcard)`,
        field,
      );
    }
  }
  if (repo.subjectFormat === "immutable" && (repo.ownerId === undefined || repo.repositoryId === undefined)) {
    throw new SubjectError(
      `subjectFormat "immutable" needs ownerId and repositoryId (repo:OWNER@OWNER_ID/REPO@REPO_ID:…)`,
      "subjectFormat",
    );
  }
}

/** The context part after `repo:OWNER/REPO:` for one filter, with its wildcard checked. */
function subjectContext(filter: SubjectFilter): Subject {
  switch (filter.kind) {
    case "pullRequest":
      return { value: "pull_request", wildcard: false };
    case "branch":
      return contextValue("branch", "ref:refs/heads/", filter.branch, filter.wildcard);
    case "tag":
      return contextValue("tag", "ref:refs/tags/", filter.tag, filter.wildcard);
    case "environment":
      return contextValue("environment", "environment:", filter.environment, filter.wildcard);
  }
}

function contextValue(field: string, prefix: string, value: string, wildcardAllowed: boolean | undefined): Subject {
  if (value.trim() === "") throw new SubjectError(`${field} must not be empty`);
  if (/^[*?]+$/.test(value)) {
    throw new SubjectError(`${field} "${value}" is a wildcard alone: it would trust every ${field}; name it`);
  }
  const wildcard = WILDCARD_CHARACTERS.test(value);
  if (wildcard && wildcardAllowed !== true) {
    throw new SubjectError(
      `${field} "${value}" contains a wildcard; set wildcard: true on this filter if a pattern is really meant`,
    );
  }
  return { value: prefix + value, wildcard };
}

/** A workflow file path as GitHub writes it in `job_workflow_ref`: `.github/workflows/<file>.yml`, no wildcard. */
export function checkWorkflowPath(workflow: string): void {
  if (!/^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/.test(workflow)) {
    throw new SubjectError(
      `workflow "${workflow}" must be a workflow file of the repository, e.g. .github/workflows/pulumi.yml (no wildcard)`,
      "jobWorkflows",
    );
  }
}

/** The refs a pinned workflow may run at: a branch (pattern allowed, never `*` alone), or any pull request's merge ref. */
export type WorkflowRefFilter = { readonly kind: "branch"; readonly branch: string } | { readonly kind: "pullRequest" };

/**
 * Jobs allowed to use a role: those defined in one of these workflow files (the reusable one, for a called
 * workflow), running at one of these refs. GitHub writes `OWNER/REPO/<workflow>@<ref>` into `job_workflow_ref`, with
 * the caller's ref, which is `refs/pull/<N>/merge` in a pull request.
 */
export interface JobWorkflowPin {
  readonly workflows: readonly string[];
  readonly refs: readonly WorkflowRefFilter[];
}

/**
 * Every `job_workflow_ref` value a pin admits. A pull request's number is the one wildcard (`refs/pull/*\/merge`);
 * branch patterns keep theirs. Names the repository by name: GitHub has no ID form of this claim.
 */
export function buildJobWorkflowRefs(repo: GitHubRepositoryRef, pin: JobWorkflowPin): Subject[] {
  checkRepositoryRef(repo);
  if (pin.workflows.length === 0 || pin.refs.length === 0) {
    throw new SubjectError("a job_workflow_ref pin needs at least one workflow file and one ref", "jobWorkflows");
  }
  const values = new Map<string, Subject>();
  for (const workflow of pin.workflows) {
    checkWorkflowPath(workflow);
    for (const ref of pin.refs) {
      const built =
        ref.kind === "pullRequest"
          ? { value: "refs/pull/*/merge", wildcard: true }
          : contextValue("branch", "refs/heads/", ref.branch, true);
      const value = `${repo.owner}/${repo.repository}/${workflow}@${built.value}`;
      values.set(value, { value, wildcard: built.wildcard });
    }
  }
  return [...values.values()];
}

/** Every subject claim the filters admit, in order, duplicates removed. Refuses an empty list. */
export function buildSubjects(repo: GitHubRepositoryRef, filters: readonly SubjectFilter[]): Subject[] {
  if (filters.length === 0) {
    throw new SubjectError(
      "no subject filter given: a role or credential without a subject would trust every repository on GitHub",
    );
  }
  const prefix = repositorySubjectPrefix(repo);
  const seen = new Map<string, Subject>();
  for (const filter of filters) {
    const context = subjectContext(filter);
    const value = `${prefix}:${context.value}`;
    seen.set(value, { value, wildcard: context.wildcard });
  }
  return [...seen.values()];
}

/** Human-readable label of a filter, used in resource names and descriptions (`environment-prod`, `pull-request`). */
export function subjectFilterLabel(filter: SubjectFilter): string {
  const raw =
    filter.kind === "pullRequest"
      ? "pull-request"
      : filter.kind === "branch"
        ? `branch-${filter.branch}`
        : filter.kind === "tag"
          ? `tag-${filter.tag}`
          : `environment-${filter.environment}`;
  return raw
    .replace(/[^A-Za-z0-9-]+/g, "-")
    .replace(/-+$/, "")
    .toLowerCase();
}

/** The context part of a filter's subject (`environment:prod`, `ref:refs/heads/main`, `pull_request`). */
export function subjectContextOf(filter: SubjectFilter): string {
  return subjectContext(filter).value;
}

/**
 * A deploy identity must be reached only through a GitHub environment, whose protection rules (branches, reviewers)
 * then apply. A branch, tag or pull-request subject bypasses them: refused unless `allowUnprotected` names its
 * context exactly (`ref:refs/heads/main`), the stack file's explicit, reviewable opt-in.
 */
export function checkDeploySubjects(filters: readonly SubjectFilter[], allowUnprotected: readonly string[] = []): void {
  for (const filter of filters) {
    if (filter.kind === "environment") continue;
    const context = subjectContextOf(filter);
    if (allowUnprotected.includes(context)) continue;
    throw new SubjectError(
      `deploy subject "${context}" bypasses the environment's protection rules (any run on that ${filter.kind === "pullRequest" ? "pull request" : filter.kind} gets the deploy identity); deploy through an environment, or name "${context}" in allowUnprotectedDeploySubjects to accept it`,
      "extraDeploySubjects",
    );
  }
}

/**
 * A flexible federated credential's expression that pins the workflow as well as the subject (Entra supports `sub`
 * and `job_workflow_ref` for GitHub's issuer; `eq` compares exactly, `matches` takes `*` and `?`; clauses joined
 * with `and`).
 */
export function workflowPinnedExpression(subject: string, jobWorkflowRef: string): string {
  const operator = WILDCARD_CHARACTERS.test(jobWorkflowRef) ? "matches" : "eq";
  return `claims['sub'] eq '${subject}' and claims['job_workflow_ref'] ${operator} '${jobWorkflowRef}'`;
}
