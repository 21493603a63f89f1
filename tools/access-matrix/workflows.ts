/**
 * The repository's workflows, read into what decides which identities a job can obtain: each workflow's triggers,
 * and each job's permissions, environment, condition, reusable-workflow call and the steps that log in to a cloud.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse } from "yaml";

export interface Step {
  readonly name: string;
  readonly uses?: string;
  readonly if?: unknown;
  readonly with: Record<string, unknown>;
  readonly env: Record<string, unknown>;
}

export interface Job {
  readonly id: string;
  readonly name?: string;
  /** `permissions:` as written (undefined: inherit the workflow's). */
  readonly permissions: unknown;
  readonly environment?: unknown;
  readonly if?: unknown;
  /** A reusable workflow this job calls (`./.github/workflows/x.yml` or `owner/repo/...@ref`). */
  readonly uses?: string;
  readonly with: Record<string, unknown>;
  readonly steps: readonly Step[];
  /** `strategy.matrix` expanded: one entry per combination of its list values (one empty entry without a matrix). */
  readonly matrix: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export interface Workflow {
  /** Path from the repository root, as GitHub writes it in `job_workflow_ref` (`.github/workflows/deploy.yml`). */
  readonly path: string;
  readonly name: string;
  /** Trigger name -> its filter (null when given without one). */
  readonly on: Readonly<Record<string, Record<string, unknown> | null>>;
  readonly permissions: unknown;
  readonly jobs: readonly Job[];
  /** `on.workflow_call.inputs`: name -> default. */
  readonly inputDefaults: Readonly<Record<string, unknown>>;
}

export class WorkflowReadError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "WorkflowReadError";
  }
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

function triggers(on: unknown): Record<string, Record<string, unknown> | null> {
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t) => [String(t), null]));
  return Object.fromEntries(Object.entries(record(on)).map(([k, v]) => [k, v === null ? null : record(v)]));
}

/**
 * Reads one workflow file. GitHub runs workflows from `.github/workflows` only, and names them so in
 * `job_workflow_ref` whatever directory the copy being checked lies in.
 */
export function readWorkflow(file: string): Workflow {
  const path = `.github/workflows/${basename(file)}`;
  let doc: Record<string, unknown>;
  try {
    doc = record(parse(readFileSync(file, "utf8")));
  } catch (err) {
    throw new WorkflowReadError(path, `not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (doc.jobs === undefined) throw new WorkflowReadError(path, "has no jobs");
  const on = triggers(doc.on);
  const inputDefaults = Object.fromEntries(
    Object.entries(record(record(on.workflow_call).inputs)).map(([name, spec]) => [name, record(spec).default ?? ""]),
  );
  const jobs = Object.entries(record(doc.jobs)).map(([id, raw]): Job => {
    const job = record(raw);
    const steps = (Array.isArray(job.steps) ? job.steps : []).map((s, i): Step => {
      const step = record(s);
      return {
        name: String(step.name ?? step.id ?? step.uses ?? `#${i + 1}`),
        uses: typeof step.uses === "string" ? step.uses : undefined,
        if: step.if,
        with: record(step.with),
        env: record(step.env),
      };
    });
    return {
      id,
      name: typeof job.name === "string" ? job.name : undefined,
      permissions: job.permissions,
      environment: job.environment,
      if: job.if,
      uses: typeof job.uses === "string" ? job.uses : undefined,
      with: record(job.with),
      steps,
      matrix: expandMatrix(record(record(job.strategy).matrix)),
    };
  });
  return { path, name: String(doc.name ?? path), on, permissions: doc.permissions, jobs, inputDefaults };
}

/** Every workflow under `<root>/.github/workflows`, by path. */
export function readWorkflows(root: string, dir = join(root, ".github", "workflows")): Map<string, Workflow> {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (files.length === 0) throw new WorkflowReadError(relative(root, dir), "holds no workflow (.yml) file");
  return new Map(files.map((f) => readWorkflow(join(dir, f))).map((w) => [w.path, w]));
}

/** Whether these permissions (job-level, else workflow-level) grant `id-token: write`. */
export function grantsIdToken(permissions: unknown): boolean {
  if (permissions === "write-all") return true;
  return record(permissions)["id-token"] === "write";
}

/** The combinations of a matrix's list values (include/exclude are not expanded: this repository uses none). */
function expandMatrix(matrix: Record<string, unknown>): Array<Record<string, unknown>> {
  let combinations: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    if (!Array.isArray(values)) continue;
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combinations;
}
