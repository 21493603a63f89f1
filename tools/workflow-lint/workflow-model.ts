/**
 * A GitHub Actions workflow (or composite action) read into the few facts the lint rules need, each with the
 * line it came from so that findings point at the file position a reviewer has to change.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/** `permissions:` as written: absent, a shorthand string (`read-all`, `write-all`) or a scope map. */
export type Permissions = undefined | string | Record<string, string>;

export interface WorkflowStep {
  /** The step's `name`, else its `id`, else its `uses`, else `#<1-based position>`: what a reader finds in the Actions UI. */
  label: string;
  line: number;
  uses?: string;
  with: Record<string, unknown>;
  /** Every string in the step (run, env, with, if), for expression scans. */
  strings: string[];
}

export interface WorkflowJob {
  id: string;
  line: number;
  permissions: Permissions;
  /** A job that calls a reusable workflow (`jobs.<id>.uses`). */
  uses?: string;
  with: Record<string, unknown>;
  steps: WorkflowStep[];
  /** Every string in the job outside its steps (env, if, with of a reusable call...). */
  strings: string[];
}

export interface WorkflowModel {
  kind: "workflow" | "action";
  permissions: Permissions;
  /** Strings at the workflow level (top-level env, defaults...), outside any job. */
  strings: string[];
  jobs: WorkflowJob[];
}

export class WorkflowParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function readWorkflow(text: string): WorkflowModel {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new WorkflowParseError(
      `not valid YAML: ${first.message.split("\n")[0]}`,
      lineCounter.linePos(first.pos[0]).line,
    );
  }
  const lineOf = (node: unknown): number => {
    const range = (node as Node | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  const root = doc.toJS() as Record<string, unknown> | null;
  if (root === null || typeof root !== "object" || Array.isArray(root)) {
    throw new WorkflowParseError("expected a mapping with `on:` and `jobs:` (a workflow) or `runs:` (an action)", 1);
  }

  // A composite action has its steps under runs.steps and no permissions of its own.
  if (root.runs && !root.jobs) {
    const runs = root.runs as Record<string, unknown>;
    const stepNodes = doc.getIn(["runs", "steps"], true);
    return {
      kind: "action",
      permissions: undefined,
      strings: [],
      jobs: [
        {
          id: "(composite action)",
          line: lineOf(doc.get("runs", true)),
          permissions: undefined,
          with: {},
          steps: readSteps(runs.steps, stepNodes, lineOf),
          strings: [],
        },
      ],
    };
  }

  const jobsNode = doc.get("jobs", true);
  const jobs: WorkflowJob[] = [];
  if (isMap(jobsNode)) {
    for (const pair of jobsNode.items) {
      const id = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const job = (root.jobs as Record<string, Record<string, unknown>>)[id] ?? {};
      const { steps, ...rest } = job;
      jobs.push({
        id,
        line: lineOf(pair.key),
        permissions: job.permissions as Permissions,
        uses: typeof job.uses === "string" ? job.uses : undefined,
        with: (job.with as Record<string, unknown>) ?? {},
        steps: readSteps(steps, isMap(pair.value) ? pair.value.get("steps", true) : undefined, lineOf),
        strings: collectStrings(rest),
      });
    }
  }
  const { jobs: _jobs, ...workflowLevel } = root;
  return {
    kind: "workflow",
    permissions: root.permissions as Permissions,
    strings: collectStrings(workflowLevel),
    jobs,
  };
}

function readSteps(steps: unknown, stepsNode: unknown, lineOf: (node: unknown) => number): WorkflowStep[] {
  if (!Array.isArray(steps)) return [];
  const items = isSeq(stepsNode) ? stepsNode.items : [];
  return steps.map((raw, index) => {
    const step = (raw ?? {}) as Record<string, unknown>;
    const label =
      typeof step.name === "string"
        ? step.name
        : typeof step.id === "string"
          ? step.id
          : typeof step.uses === "string"
            ? step.uses
            : `#${index + 1}`;
    return {
      label,
      line: lineOf(items[index]),
      uses: typeof step.uses === "string" ? step.uses : undefined,
      with: (step.with as Record<string, unknown>) ?? {},
      strings: collectStrings(step),
    };
  });
}

function collectStrings(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, into));
  else if (value && typeof value === "object") Object.values(value).forEach((item) => collectStrings(item, into));
  return into;
}
