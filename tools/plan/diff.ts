/**
 * Two plan files (base branch, pull request) -> Markdown for the pull request's sticky comment.
 * Trust relationships come first because they decide who can act as the stack: an IAM role's
 * `assumeRolePolicy`, OIDC providers and Entra federated credentials. Ordering is stable (type, then name, then
 * URN; properties by path) so that a re-run with the same plans edits the comment into the same text.
 */
import { existsSync } from "node:fs";
import { flattenLeaves } from "./property-path";
import { buildPlanFile, readPlanFile, type PlanFile, type PlanResource } from "./plan-file";

export const STICKY_MARKER = "<!-- zerosecrets-plan-diff -->";

/** Resource types whose whole purpose is to admit a workload. */
const TRUST_TYPE = /FederatedIdentityCredential|openIdConnectProvider|OpenIdConnectProvider/;
/** Properties that carry trust on resources that do other things too. */
const TRUST_PROPERTY = /^assumeRolePolicy\b/;

interface PropertyChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

interface ResourceChange {
  kind: "add" | "remove" | "change";
  resource: PlanResource;
  properties: PropertyChange[];
  trust: boolean;
}

function propertyChanges(before: Record<string, unknown>, after: Record<string, unknown>): PropertyChange[] {
  const left = flattenLeaves(before);
  const right = flattenLeaves(after);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  return paths
    .filter((path) => JSON.stringify(left.get(path)) !== JSON.stringify(right.get(path)))
    .map((path) => ({ path, before: left.get(path), after: right.get(path) }));
}

export function diffPlans(base: PlanFile, head: PlanFile): ResourceChange[] {
  const baseByUrn = new Map(base.resources.map((resource) => [resource.urn, resource]));
  const headByUrn = new Map(head.resources.map((resource) => [resource.urn, resource]));
  const changes: ResourceChange[] = [];
  const isTrustType = (resource: PlanResource) => TRUST_TYPE.test(resource.type);
  for (const resource of head.resources) {
    const previous = baseByUrn.get(resource.urn);
    if (!previous) {
      const properties = propertyChanges({}, resource.inputs);
      changes.push({
        kind: "add",
        resource,
        properties,
        trust: isTrustType(resource) || properties.some((p) => TRUST_PROPERTY.test(p.path)),
      });
      continue;
    }
    const properties = propertyChanges(previous.inputs, resource.inputs);
    if (properties.length > 0) {
      changes.push({
        kind: "change",
        resource,
        properties,
        trust: isTrustType(resource) || properties.some((p) => TRUST_PROPERTY.test(p.path)),
      });
    }
  }
  for (const resource of base.resources) {
    if (headByUrn.has(resource.urn)) continue;
    const properties = propertyChanges(resource.inputs, {});
    changes.push({
      kind: "remove",
      resource,
      properties,
      trust: isTrustType(resource) || properties.some((p) => TRUST_PROPERTY.test(p.path)),
    });
  }
  const key = (change: ResourceChange) => [change.resource.type, change.resource.name, change.resource.urn];
  return changes.sort((a, b) => compareTuples(key(a), key(b)));
}

function compareTuples(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

const MAX_VALUE = 120;

/**
 * Plan files may come from a pull request's own code (plan-comment.yml renders them): every name, type and path is
 * untrusted text. Inline text is escaped so it cannot open links, images, HTML or mentions; code spans lose the
 * characters that would end them or split a table cell.
 */
export function markdownText(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_[\]()<>#|!~]/g, "\\$&")
    .replace(/@/g, "@\u200b");
}

export function markdownCode(text: string): string {
  return `\`${text
    .replace(/[\r\n]+/g, " ")
    .replace(/`/g, "'")
    .replace(/\|/g, "\\|")}\``;
}

function cell(value: unknown): string {
  if (value === undefined) return "";
  let text = JSON.stringify(value);
  if (text.length > MAX_VALUE) text = `${text.slice(0, MAX_VALUE - 1)}…`;
  // Inside a table cell, `|` splits the cell and a backtick would end the code span.
  return `\`${text.replace(/\|/g, "\\|").replace(/`/g, "'")}\``;
}

const SYMBOL = { add: "+", remove: "-", change: "~" } as const;
const VERB = { add: "create", remove: "delete", change: "update" } as const;

function resourceHeading(change: ResourceChange): string {
  return `**${SYMBOL[change.kind]} ${VERB[change.kind]}** ${markdownCode(change.resource.type)} **${markdownText(change.resource.name)}**`;
}

function propertyTable(properties: PropertyChange[]): string[] {
  return [
    "",
    "| Property | Base | This pull request |",
    "| --- | --- | --- |",
    ...properties.map((p) => `| ${markdownCode(p.path)} | ${cell(p.before)} | ${cell(p.after)} |`),
    "",
  ];
}

/** Trust changes get every property; other created and deleted resources one line each, updates their properties. */
function renderGroup(changes: ResourceChange[], detailed: boolean): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    if (detailed || change.kind === "change") {
      lines.push(resourceHeading(change), ...propertyTable(change.properties));
    } else {
      lines.push(`- ${resourceHeading(change)}`);
    }
  }
  if (!detailed && lines.length > 0 && lines[lines.length - 1].startsWith("- ")) lines.push("");
  return lines;
}

function renderStack(base: PlanFile, head: PlanFile): string[] {
  const changes = diffPlans(base, head);
  const count = (kind: ResourceChange["kind"]) => changes.filter((change) => change.kind === kind).length;
  const lines = [`### Stack ${markdownCode(head.stack)}`, ""];
  if (changes.length === 0) return [...lines, "No changes.", ""];
  lines.push(
    `**${count("add")} to create, ${count("change")} to update, ${count("remove")} to delete** (${head.resources.length} resources in this pull request's plan)`,
    "",
  );
  const trust = changes.filter((change) => change.trust);
  if (trust.length > 0) {
    lines.push("#### Trust relationships (review first)", "", ...renderGroup(trust, true));
  }
  const others = changes.filter((change) => !change.trust);
  for (const [kind, title] of [
    ["add", "Created"],
    ["remove", "Deleted"],
    ["change", "Updated"],
  ] as const) {
    const group = others.filter((change) => change.kind === kind);
    if (group.length > 0) lines.push(`#### ${title}`, "", ...renderGroup(group, false));
  }
  return lines;
}

/** One comment for every stack: pairs of (base, pull request) plans. */
export function renderPlanDiff(pairs: { base: PlanFile; head: PlanFile }[]): string {
  const lines = [
    STICKY_MARKER,
    "## Offline plan diff",
    "",
    "Inputs of every resource, base branch against this pull request; secret values are masked.",
    "",
  ];
  for (const { base, head } of pairs) lines.push(...renderStack(base, head));
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

/**
 * Reads `base pr [base2 pr2 ...]`. With `allowMissingBase`, a base file that does not exist (the base branch could
 * not be planned: a new stack) counts as an empty plan, so everything shows as created.
 */
export function readPlanPairs(files: string[], allowMissingBase: boolean): { base: PlanFile; head: PlanFile }[] {
  if (files.length === 0 || files.length % 2 !== 0) {
    throw new Error(`diff takes pairs of plan files (base, pull request); got ${files.length} file(s)`);
  }
  const pairs: { base: PlanFile; head: PlanFile }[] = [];
  for (let i = 0; i < files.length; i += 2) {
    const head = readPlanFile(files[i + 1]);
    const base =
      allowMissingBase && !existsSync(files[i]) ? buildPlanFile(head.project, head.stack, []) : readPlanFile(files[i]);
    pairs.push({ base, head });
  }
  return pairs;
}

/**
 * GitHub refuses comments over 65,536 characters. Cuts at a line boundary and says where the rest is, keeping the
 * marker (first line) so the sticky comment is still found and edited.
 */
export function truncateForComment(markdown: string, maxLength: number, whereTheRestIs: string): string {
  if (markdown.length <= maxLength) return markdown;
  const note = `\n\n… truncated at ${maxLength} characters: ${whereTheRestIs}\n`;
  const cut = markdown.lastIndexOf("\n", maxLength - note.length);
  return markdown.slice(0, Math.max(cut, STICKY_MARKER.length)) + note;
}
