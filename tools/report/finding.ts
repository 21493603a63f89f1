/**
 * What every CLI here reports, in one shape: the plan's and the audit's policy findings, the workflow linter's
 * findings. Text, JSON and SARIF are renderings of it (`json.ts`, `sarif.ts`), so the three never disagree.
 */

/** SARIF's levels, which GitHub code scanning shows as error, warning and note. */
export type Severity = "error" | "warning" | "note";

export const SEVERITY_ORDER: Severity[] = ["error", "warning", "note"];

/** True when `severity` is at least as serious as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER.indexOf(severity) <= SEVERITY_ORDER.indexOf(threshold);
}

export interface FindingLocation {
  /** Absolute path, or relative to the directory the report is made from. */
  file?: string;
  line?: number;
  column?: number;
  /** A named thing the finding is about when a file position says too little: a Pulumi resource, a workflow job. */
  logical?: { kind: "resource" | "job" | "step" | "stack"; name: string; fullyQualifiedName: string };
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  location: FindingLocation;
  /** What to change, when the message does not already end with it. */
  fix?: string;
}

export interface RuleDescription {
  id: string;
  /** One line: what the rule fails. */
  shortDescription: string;
  /** What to do about a finding: shown as the alert's help in code scanning. */
  help: string;
  helpUri?: string;
  severity: Severity;
  /** Coarse grouping for filters (`credentials`, `pinning`, `schema`, `federation`, …). */
  category: string;
}

export interface Report {
  tool: { name: string; version: string };
  /** Distinguishes runs of the same tool in code scanning (one per stack, say): `zerosecrets/plan/dev`. */
  automationId: string;
  rules: RuleDescription[];
  findings: Finding[];
}
