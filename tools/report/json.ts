/**
 * A report as JSON for scripts: the findings with their rule and severity, a summary by severity, and whatever the
 * command adds about its run (the plan's stack and file, the audit's export). Stable keys; documented in docs/ci.md.
 */
import type { Report, Severity } from "./finding";

export function toJson(report: Report, details: Record<string, unknown>): Record<string, unknown> {
  const count = (severity: Severity) => report.findings.filter((finding) => finding.severity === severity).length;
  return {
    tool: report.tool,
    ...details,
    summary: { errors: count("error"), warnings: count("warning"), notes: count("note") },
    findings: report.findings,
    rules: report.rules,
  };
}
