/**
 * Every way a job of the repository's workflows can ask GitHub for an OIDC token, with the claims GitHub issues for
 * it ("OpenID Connect reference", docs.github.com/actions/reference/security/oidc):
 *
 * - `sub`: `repo:OWNER/REPO:environment:NAME` for a job with an environment; else `repo:OWNER/REPO:pull_request` for
 *   a pull_request or pull_request_target run; else `repo:OWNER/REPO:ref:REF`. Immutable form
 *   `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` where the stack says the repository sends it; a custom subject template
 *   (include_claim_keys) joins `repo`, `context` and the listed claims.
 * - `ref`: the pushed branch, the dispatched branch, or `refs/pull/<N>/merge` for a pull request.
 * - `job_workflow_ref`: `OWNER/REPO/<file holding the job>@<ref>` — the reusable workflow's file for a called
 *   workflow, at the caller's ref ("Using OpenID Connect with reusable workflows").
 * - `workflow_ref`: the top-level workflow's file at the ref; `event_name`, `repository`, `repository_id`,
 *   `repository_owner`, `repository_owner_id`, `environment`, `base_ref` and `head_ref` as their names say.
 *
 * Besides each context a trigger allows (the intended runs), each job is also replayed as the impostors a trust
 * must turn away: the same job from another branch, in another environment, from another repository, and a pull
 * request from a fork. GitHub's own gates come first: no OIDC token for a fork's pull_request run, and no run at all
 * of a job whose environment's deployment branch policy (managed by the stack) excludes the branch.
 */
import { wildcardMatch } from "../../policy/iam";
import { conditionHolds, evaluateTemplate, type ExpressionContext } from "./expressions";
import type { StackFacts, TrustedRepository } from "./identities";
import { grantsIdToken, type Job, type Workflow } from "./workflows";

/** The repository's default branch: pushes and manual runs of the intended kind happen there. */
export const DEFAULT_BRANCH = "main";

export interface TriggerContext {
  readonly event: string;
  readonly ref: string;
  /** For pull requests: the branch the pull request comes from, and whether that branch is in a fork. */
  readonly pullRequest?: { readonly headRef: string; readonly baseRef: string; readonly fromFork: boolean };
  /** What this context is, in words ("push to main", "a fork's pull request"). */
  readonly description: string;
}

export interface Impostor {
  readonly kind: "fork" | "branch" | "environment" | "repository";
  readonly description: string;
}

/** One job, run in one context, asking for an OIDC token. */
export interface JobRun {
  /** `deploy.yml › dev → pulumi.yml › pulumi`: the caller chain down to the job. */
  readonly label: string;
  readonly context: TriggerContext;
  readonly impostor?: Impostor;
  /** False when GitHub never issues the token (or never runs the job); then `notIssued` says why. */
  readonly issued: boolean;
  readonly notIssued?: string;
  /** The claims of the token (without `aud`, which each login sets). */
  readonly claims: Readonly<Record<string, string>>;
  /** The identities the job's login steps name (role ARNs, Entra client IDs). */
  readonly uses: { readonly aws: readonly string[]; readonly entra: readonly string[] };
  /** Login steps whose identity the published variables do not resolve. */
  readonly unresolved: readonly string[];
}

const IMPOSTOR_BRANCH = "zz-impostor-branch";
const IMPOSTOR_ENVIRONMENT = "zz-impostor-environment";
const IMPOSTOR_REPOSITORY = {
  owner: "zz-impostor-org",
  repository: "zz-impostor-repo",
  ownerId: "990001",
  repositoryId: "990002",
};

/** The contexts each trigger of a top-level workflow runs in. */
export function triggerContexts(workflow: Workflow): TriggerContext[] {
  const contexts: TriggerContext[] = [];
  for (const [event, filter] of Object.entries(workflow.on)) {
    const branches = ((filter?.branches as string[] | undefined) ?? [DEFAULT_BRANCH]).filter((b) => !/[*?[]/.test(b));
    switch (event) {
      case "workflow_call":
        break; // reached through its callers
      case "push":
        for (const branch of branches)
          contexts.push({ event, ref: `refs/heads/${branch}`, description: `push to ${branch}` });
        break;
      case "pull_request":
      case "pull_request_target":
        for (const base of branches) {
          contexts.push({
            event,
            ref: event === "pull_request" ? "refs/pull/1/merge" : `refs/heads/${base}`,
            pullRequest: { headRef: "feature", baseRef: base, fromFork: false },
            description: `${event === "pull_request" ? "pull request" : "pull_request_target"} to ${base} from a branch of the repository`,
          });
        }
        break;
      default:
        contexts.push({ event, ref: `refs/heads/${DEFAULT_BRANCH}`, description: `${event} on ${DEFAULT_BRANCH}` });
    }
  }
  return contexts;
}

/** The impostor contexts of an intended one: each changes one thing an attacker controls. */
function impostors(context: TriggerContext): Array<{ context: TriggerContext; impostor: Impostor }> {
  const out: Array<{ context: TriggerContext; impostor: Impostor }> = [
    { context, impostor: { kind: "environment", description: `the same job in environment ${IMPOSTOR_ENVIRONMENT}` } },
    {
      context,
      impostor: {
        kind: "repository",
        description: `the same job in ${IMPOSTOR_REPOSITORY.owner}/${IMPOSTOR_REPOSITORY.repository}`,
      },
    },
  ];
  // A pull request already comes from any branch of the repository; its impostor is the fork.
  if (context.pullRequest === undefined) {
    out.push({
      context: {
        ...context,
        ref: `refs/heads/${IMPOSTOR_BRANCH}`,
        description: `${context.event} on ${IMPOSTOR_BRANCH}`,
      },
      impostor: { kind: "branch", description: `the same job run from branch ${IMPOSTOR_BRANCH}` },
    });
  } else {
    out.push({
      context: {
        ...context,
        pullRequest: { ...context.pullRequest, fromFork: true },
        description: `${context.description.replace(/ from .*/, "")} from a fork`,
      },
      impostor: { kind: "fork", description: "a pull request from a fork" },
    });
  }
  return out;
}

interface Visit {
  readonly repository: TrustedRepository;
  readonly workflows: ReadonlyMap<string, Workflow>;
  readonly stacks: readonly StackFacts[];
  readonly top: Workflow;
  readonly context: TriggerContext;
  readonly impostor?: Impostor;
}

/** Every job run (intended and impostor) of every top-level workflow that asks for an OIDC token. */
export async function jobRuns(
  workflows: ReadonlyMap<string, Workflow>,
  stacks: readonly StackFacts[],
  repository: TrustedRepository,
): Promise<JobRun[]> {
  const runs: JobRun[] = [];
  const impostorRuns: JobRun[] = [];
  for (const top of workflows.values()) {
    for (const context of triggerContexts(top)) {
      runs.push(...(await visitWorkflow({ repository, workflows, stacks, top, context }, top, {}, [], undefined)));
      for (const { context: replay, impostor } of impostors(context)) {
        impostorRuns.push(
          ...(await visitWorkflow(
            { repository, workflows, stacks, top, context: replay, impostor },
            top,
            {},
            [],
            undefined,
          )),
        );
      }
    }
  }
  // Two triggers (push and workflow_dispatch on main) replay the same impostor: keep one of each.
  const seen = new Set<string>();
  const distinct = impostorRuns.filter((run) => {
    const key = JSON.stringify([
      run.label,
      run.impostor?.kind,
      run.issued,
      run.claims.sub,
      run.claims.ref,
      run.claims.job_workflow_ref,
    ]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return [...runs, ...distinct];
}

async function visitWorkflow(
  visit: Visit,
  workflow: Workflow,
  inputs: Record<string, unknown>,
  chain: string[],
  callerPermissions: unknown,
  skipped?: string,
): Promise<JobRun[]> {
  const runs: JobRun[] = [];
  for (const job of workflow.jobs) {
    const label = [...chain, `${file(workflow.path)} › ${job.id}`].join(" → ");
    const permissions = job.permissions ?? workflow.permissions;
    // A called workflow's jobs get at most what the calling job grants.
    const idToken = grantsIdToken(permissions) && (callerPermissions === undefined || grantsIdToken(callerPermissions));
    const expressionContext = await contextFor(visit, inputs, undefined);
    if (job.uses?.startsWith("./")) {
      const called = visit.workflows.get(job.uses.slice(2));
      if (called === undefined) continue;
      // A calling job that does not run still shows its jobs, as runs that never get a token.
      const notRun = (await conditionHolds(job.if, expressionContext))
        ? skipped
        : `the job ${job.id} does not run (if: ${String(job.if)})`;
      const callInputs: Record<string, unknown> = { ...called.inputDefaults };
      for (const [name, value] of Object.entries(job.with)) {
        callInputs[name] = typeof value === "string" ? await evaluateTemplate(value, expressionContext) : value;
      }
      runs.push(
        ...(await visitWorkflow(
          visit,
          called,
          callInputs,
          [...chain, `${file(workflow.path)} › ${job.id}`],
          job.permissions ?? workflow.permissions,
          notRun,
        )),
      );
      continue;
    }
    if (!idToken) continue;
    for (const matrix of job.matrix) {
      const values = Object.entries(matrix).map(([k, v]) => `${k}=${String(v)}`);
      const matrixLabel = values.length === 0 ? label : `${label} (${values.join(", ")})`;
      runs.push(await jobRun(visit, workflow, job, inputs, matrixLabel, skipped, matrix));
    }
  }
  return runs;
}

function file(path: string): string {
  return path.split("/").pop()!;
}

async function jobRun(
  visit: Visit,
  workflow: Workflow,
  job: Job,
  inputs: Record<string, unknown>,
  label: string,
  skipped: string | undefined,
  matrix: Readonly<Record<string, unknown>>,
): Promise<JobRun> {
  const { context, impostor } = visit;
  const expressionContext = await contextFor(visit, inputs, undefined, matrix);
  const repository =
    impostor?.kind === "repository" ? { ...visit.repository, ...IMPOSTOR_REPOSITORY } : visit.repository;
  let environment = await environmentOf(job.environment, expressionContext);
  if (impostor?.kind === "environment") environment = IMPOSTOR_ENVIRONMENT;
  const claims = tokenClaims(repository, visit.top, workflow, context, environment);

  // GitHub's gates, before any cloud sees a token.
  const gates: string[] = [];
  if (context.pullRequest?.fromFork && context.event === "pull_request") {
    gates.push(
      "GitHub issues no OIDC token to a pull_request run from a fork (its GITHUB_TOKEN is read-only, id-token included)",
    );
  }
  if (skipped !== undefined) gates.push(skipped);
  else if (!(await conditionHolds(job.if, await contextFor(visit, inputs, environment, matrix)))) {
    gates.push(`the job does not run (if: ${String(job.if)})`);
  }
  if (environment !== undefined && impostor?.kind !== "repository") {
    const allowed = visit.stacks.flatMap((s) => s.environmentBranches[environment!] ?? []);
    const branch = context.pullRequest?.headRef ?? context.ref.replace(/^refs\/(heads|tags)\//, "");
    if (allowed.length > 0 && !allowed.some((pattern) => wildcardMatch(pattern, branch))) {
      gates.push(
        `GitHub does not run a job in environment ${environment} from ${branch}: its deployment branch policy (managed by the stack) allows ${allowed.join(", ")}`,
      );
    }
  }
  const notIssued = gates.length === 0 ? undefined : gates.join("; and ");

  const stepContext = await contextFor(visit, inputs, environment, matrix);
  const uses = { aws: [] as string[], entra: [] as string[] };
  const unresolved: string[] = [];
  for (const step of job.steps) {
    if (!(await conditionHolds(step.if, stepContext))) continue;
    if (step.uses?.startsWith("aws-actions/configure-aws-credentials@")) {
      const role = String((await evaluateTemplate(String(step.with["role-to-assume"] ?? ""), stepContext)) ?? "");
      if (role === "")
        unresolved.push(
          `${label}, step "${step.name}": role-to-assume ${String(step.with["role-to-assume"])} resolves to nothing`,
        );
      else uses.aws.push(role);
    }
    const azureClientId = step.uses?.startsWith("azure/login@")
      ? step.with["client-id"]
      : String(step.env.ARM_USE_OIDC ?? "") === "true"
        ? step.env.ARM_CLIENT_ID
        : undefined;
    if (azureClientId !== undefined) {
      const clientId = String((await evaluateTemplate(String(azureClientId), stepContext)) ?? "");
      if (clientId === "")
        unresolved.push(
          `${label}, step "${step.name}": the Azure client ID ${String(azureClientId)} resolves to nothing`,
        );
      else if (!uses.entra.includes(clientId)) uses.entra.push(clientId);
    }
  }
  return {
    label,
    context,
    impostor,
    issued: notIssued === undefined,
    notIssued,
    claims,
    uses,
    unresolved: impostor === undefined ? unresolved : [],
  };
}

async function environmentOf(environment: unknown, context: ExpressionContext): Promise<string | undefined> {
  if (environment === undefined || environment === null) return undefined;
  const raw = typeof environment === "object" ? (environment as { name?: unknown }).name : environment;
  const name = String((await evaluateTemplate(String(raw ?? ""), context)) ?? "");
  return name === "" ? undefined : name;
}

/** The contexts an expression of the job sees: github, inputs and vars (environment first, then repository). */
async function contextFor(
  visit: Visit,
  inputs: Record<string, unknown>,
  environment: string | undefined,
  matrix: Readonly<Record<string, unknown>> = {},
): Promise<ExpressionContext> {
  const { context, repository } = visit;
  const full = `${repository.owner}/${repository.repository}`;
  const vars: Record<string, string> = {};
  for (const stack of visit.stacks) Object.assign(vars, stack.repositoryVariables);
  if (environment !== undefined)
    for (const stack of visit.stacks) Object.assign(vars, stack.environmentVariables[environment] ?? {});
  return {
    github: {
      event_name: context.event,
      ref: context.ref,
      repository: full,
      repository_owner: repository.owner,
      sha: "0".repeat(40),
      run_id: "1",
      event: context.pullRequest
        ? {
            pull_request: {
              number: 1,
              head: {
                ref: context.pullRequest.headRef,
                repo: { full_name: context.pullRequest.fromFork ? `zz-fork-owner/${repository.repository}` : full },
              },
              base: { ref: context.pullRequest.baseRef, sha: "1".repeat(40), repo: { full_name: full } },
            },
          }
        : {},
    },
    inputs,
    vars,
    env: {},
    matrix,
    secrets: {},
  };
}

/** The claims GitHub puts in the job's token. */
export function tokenClaims(
  repository: TrustedRepository,
  top: Workflow,
  workflow: Workflow,
  context: TriggerContext,
  environment: string | undefined,
): Record<string, string> {
  const { owner, repository: repo, ownerId = "", repositoryId = "" } = repository;
  const prefix =
    repository.subjectFormat === "immutable"
      ? `repo:${owner}@${ownerId}/${repo}@${repositoryId}`
      : `repo:${owner}/${repo}`;
  const contextPart =
    environment !== undefined
      ? `environment:${environment}`
      : context.event === "pull_request" || context.event === "pull_request_target"
        ? "pull_request"
        : `ref:${context.ref}`;
  const claims: Record<string, string> = {
    repository: `${owner}/${repo}`,
    repository_id: repositoryId,
    repository_owner: owner,
    repository_owner_id: ownerId,
    ref: context.ref,
    ref_type: context.ref.startsWith("refs/tags/") ? "tag" : "branch",
    event_name: context.event,
    workflow: top.name,
    workflow_ref: `${owner}/${repo}/${top.path}@${context.ref}`,
    job_workflow_ref: `${owner}/${repo}/${workflow.path}@${context.ref}`,
    actor: "octocat",
    actor_id: "583231",
    runner_environment: "github-hosted",
    ...(environment === undefined ? {} : { environment }),
    ...(context.pullRequest ? { base_ref: context.pullRequest.baseRef, head_ref: context.pullRequest.headRef } : {}),
  };
  const keys = repository.subjectClaimKeys;
  claims.sub =
    keys === undefined
      ? `${prefix}:${contextPart}`
      : keys
          .map((key) => (key === "repo" ? prefix : key === "context" ? contextPart : `${key}:${claims[key] ?? ""}`))
          .join(":");
  return claims;
}
