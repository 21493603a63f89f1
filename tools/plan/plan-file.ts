/**
 * The offline plan file: what `plan` writes and `diff` reads. Deterministic by construction (resources sorted by
 * URN, object keys sorted, no timestamps or run ids) so that two plans of the same program are byte-identical
 * and a diff shows only what the change did.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { PlanResource } from "../resource-snapshot";

export type { PlanResource } from "../resource-snapshot";

export const PLAN_FORMAT_VERSION = 1;
/** How masked values appear in a plan (the same words `pulumi preview` prints). */
export const SECRET_MARK = "[secret]";
export const UNKNOWN_MARK = "[unknown]";

const planResourceSchema: z.ZodType<PlanResource> = z.object({
  urn: z.string().min(1),
  type: z.string().min(1),
  name: z.string(),
  parent: z.string().optional(),
  custom: z.boolean(),
  inputs: z.record(z.string(), z.unknown()),
});

const planFileSchema = z.object({
  planFormatVersion: z.literal(PLAN_FORMAT_VERSION),
  project: z.string(),
  stack: z.string(),
  resources: z.array(planResourceSchema),
});

export type PlanFile = z.infer<typeof planFileSchema>;

/** Sorts object keys at every depth: JSON.stringify then prints the same bytes for the same content. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function buildPlanFile(project: string, stack: string, resources: PlanResource[]): PlanFile {
  const sorted = [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return {
    planFormatVersion: PLAN_FORMAT_VERSION,
    project,
    stack,
    resources: sorted.map((resource) => ({
      ...resource,
      inputs: sortKeysDeep(resource.inputs) as Record<string, unknown>,
    })),
  };
}

export function serialisePlan(plan: PlanFile): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

export function writePlanFile(path: string, plan: PlanFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serialisePlan(plan));
}

export function readPlanFile(path: string): PlanFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(
      `${path}: cannot read the plan file; create it with \`npm run plan -- --stack <name> --out ${path}\``,
    );
  }
  return parsePlanJson(text, path);
}

/** Parses and validates a plan file's text; errors name `path` and say what to pass. */
export function parsePlanJson(text: string, path: string): PlanFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message}); pass a file written by \`npm run plan\``, {
      cause: error,
    });
  }
  const parsed = planFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${path}: not a plan file (format ${PLAN_FORMAT_VERSION}): ${issue.path.join(".") || "(root)"}: ${issue.message}; pass a file written by \`npm run plan\``,
    );
  }
  return parsed.data;
}
