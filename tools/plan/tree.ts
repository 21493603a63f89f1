/**
 * Prints a plan as `pulumi preview` does: one line per resource, `+` for create, nested under its component
 * parent with box-drawing guides, the type in Pulumi's short form (`aws:iam:RolePolicy` for
 * `aws:iam/rolePolicy:RolePolicy`), then the count. Children are ordered by URN so the output is stable.
 *
 * Lines keep within 100 columns. The name column is placed where the fewest rows need wrapping; a row whose type
 * runs into it, or whose name runs past column 100, prints its name on the next line (under the name column when
 * it fits there), with the tree's guides carried down so the tree still reads.
 */
import type { PlanFile, PlanResource } from "./plan-file";

const STACK_TYPE = "pulumi:pulumi:Stack";
export const TREE_WIDTH = 100;
/** ` +   ` before the type column. */
const MARGIN = 5;
/** Spaces between the type column and the name column. */
const GAP = 3;
/** Names get at least this much room. */
const MIN_NAME_WIDTH = 16;

/**
 * Pulumi's display form of a type token: the module's file part is dropped when it only repeats the type's name
 * (pulumi/pulumi, pkg/backend/display: simplifyTypeName).
 */
export function shortTypeName(type: string): string {
  const parts = type.split(":");
  if (parts.length !== 3 || parts[2] === "") return type;
  const [pkg, module, name] = parts as [string, string, string];
  const suffix = `/${name.charAt(0).toLowerCase()}${name.slice(1)}`;
  return `${pkg}:${module.endsWith(suffix) ? module.slice(0, -suffix.length) : module}:${name}`;
}

interface Row {
  /** Guides before the type (`│  ├─ `). */
  prefix: string;
  /** The guides a wrapped name line carries (the ancestors' `│` and this row's own continuation). */
  continuation: string;
  type: string;
  name: string;
}

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

  const rows: Row[] = [
    {
      prefix: "",
      continuation: children.has(undefined) ? "│  " : "   ",
      type: STACK_TYPE,
      name: stackResource?.name ?? `${plan.project}-${plan.stack}`,
    },
  ];
  const walk = (parent: string | undefined, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((resource, index) => {
      const last = index === list.length - 1;
      const below = `${indent}${last ? "   " : "│  "}`;
      rows.push({
        prefix: `${indent}${last ? "└─ " : "├─ "}`,
        continuation: children.has(resource.urn) ? `${below}│  ` : below,
        type: shortTypeName(resource.type),
        name: resource.name,
      });
      walk(resource.urn, below);
    });
  };
  walk(undefined, "");

  const fits = (row: Row, column: number) =>
    MARGIN + row.prefix.length + row.type.length + GAP <= column && column + row.name.length <= TREE_WIDTH;
  const widest = Math.max(...rows.map((row) => row.prefix.length + row.type.length), "Type".length);
  // The leftmost column that wraps the fewest rows (ties: leftmost, which leaves names the most room).
  let nameColumn = Math.min(MARGIN + widest + GAP, TREE_WIDTH - MIN_NAME_WIDTH);
  let fewest = Number.POSITIVE_INFINITY;
  for (let column = MARGIN + "Type".length + GAP; column <= TREE_WIDTH - MIN_NAME_WIDTH; column++) {
    const wrapped = rows.filter((row) => !fits(row, column)).length;
    if (wrapped < fewest) [fewest, nameColumn] = [wrapped, column];
  }
  const lines = [`${" ".repeat(MARGIN)}${"Type".padEnd(nameColumn - MARGIN)}Name`];
  for (const row of rows) {
    const head = ` +   ${row.prefix}${row.type}`;
    if (fits(row, nameColumn)) {
      lines.push(`${head.padEnd(nameColumn)}${row.name}`);
      continue;
    }
    // Wrap: the name goes on its own line, at the name column when it fits there, else as far left as it fits.
    lines.push(head);
    const guides = `${" ".repeat(MARGIN)}${row.continuation}`;
    const start = Math.max(guides.length + 1, Math.min(nameColumn, TREE_WIDTH - row.name.length));
    lines.push(`${guides.padEnd(start)}${row.name}`);
  }
  lines.push("", "Resources:", `    + ${rows.length} to create`);
  return lines.join("\n");
}
