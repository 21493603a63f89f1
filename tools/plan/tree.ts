/**
 * Prints a plan as `pulumi preview` does: one line per resource, `+` for create, nested under its component
 * parent with box-drawing guides, then the count. Children are ordered by URN so the output is stable.
 */
import type { PlanFile, PlanResource } from "./plan-file";

const STACK_TYPE = "pulumi:pulumi:Stack";

export function renderPlanTree(plan: PlanFile): string {
  const byUrn = new Map(plan.resources.map((resource) => [resource.urn, resource]));
  const stackResource = plan.resources.find((resource) => resource.type === STACK_TYPE);
  const children = new Map<string | undefined, PlanResource[]>();
  for (const resource of plan.resources) {
    if (resource === stackResource) continue;
    // Parents the plan does not hold (the stack itself, when the runtime does not record it) hang off the root.
    const parent =
      resource.parent && byUrn.has(resource.parent) && resource.parent !== stackResource?.urn
        ? resource.parent
        : undefined;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }

  const rows: { prefix: string; type: string; name: string }[] = [
    { prefix: "", type: STACK_TYPE, name: stackResource?.name ?? `${plan.project}-${plan.stack}` },
  ];
  const walk = (parent: string | undefined, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((resource, index) => {
      const last = index === list.length - 1;
      rows.push({ prefix: `${indent}${last ? "└─ " : "├─ "}`, type: resource.type, name: resource.name });
      walk(resource.urn, `${indent}${last ? "   " : "│  "}`);
    });
  };
  walk(undefined, "");

  const typeWidth = Math.max(...rows.map((row) => row.prefix.length + row.type.length), "Type".length) + 3;
  const lines = [`     ${"Type".padEnd(typeWidth)}Name`];
  for (const row of rows) lines.push(` +   ${(row.prefix + row.type).padEnd(typeWidth)}${row.name}`);
  lines.push("", "Resources:", `    + ${rows.length} to create`);
  return lines.join("\n");
}
