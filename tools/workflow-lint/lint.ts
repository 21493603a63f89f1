/**
 * Lints workflow files: schema first, then the credential and pinning rules. Works on any repository's
 * `.github/workflows` (and composite actions), not only ours.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Report, RuleDescription } from "../report/finding";
import { RULE_INFO, RULES, grantsIdToken, oidcLogins, type LintFinding, type RuleId } from "./rules";
import { schemaFindings } from "./schema";
import { readWorkflow, WorkflowParseError, type WorkflowModel } from "./workflow-model";

function isActionFile(file: string): boolean {
  return /(^|[\\/])action\.ya?ml$/.test(file);
}

export function lintWorkflowText(text: string, file: string): LintFinding[] {
  let workflow: WorkflowModel;
  try {
    workflow = readWorkflow(text);
  } catch (error) {
    if (!(error instanceof WorkflowParseError)) throw error;
    return [{ file, line: error.line, rule: "yaml", message: error.message, fix: "fix the YAML syntax at that line" }];
  }
  const kind = isActionFile(file) ? "action" : workflow.kind;
  const findings = [...schemaFindings(text, kind), ...RULES.flatMap((rule) => rule(workflow))];
  return findings.map((finding) => ({ file, ...finding }));
}

/**
 * A job that calls a local reusable workflow must grant what the called jobs request: a called job that logs in
 * through OIDC cannot get `id-token: write` unless the caller grants it.
 */
function reusableCallFindings(file: string, text: string): LintFinding[] {
  let caller: WorkflowModel;
  try {
    caller = readWorkflow(text);
  } catch {
    return []; // already reported as a yaml finding
  }
  const repositoryRoot = resolve(dirname(file), "..", "..");
  return caller.jobs.flatMap((job): LintFinding[] => {
    if (!job.uses?.startsWith("./")) return [];
    let called: WorkflowModel;
    try {
      called = readWorkflow(readFileSync(join(repositoryRoot, job.uses), "utf8"));
    } catch {
      return [
        {
          file,
          line: job.line,
          job: job.id,
          rule: "schema" as const,
          message: `reusable workflow ${job.uses} cannot be read`,
          fix: "correct the path (relative to the repository root)",
        },
      ];
    }
    // The called jobs can only narrow what the caller grants, so the caller must grant id-token itself.
    const callerPermissions = job.permissions !== undefined ? job.permissions : caller.permissions;
    if (oidcLogins(called).length === 0 || grantsIdToken(callerPermissions)) return [];
    return [
      {
        file,
        line: job.line,
        job: job.id,
        rule: "login-without-id-token" as const,
        message: `job "${job.id}" calls ${job.uses}, which logs in to a cloud through OIDC, without granting \`id-token: write\``,
        fix: `add \`permissions: { contents: read, id-token: write }\` to job "${job.id}"`,
      },
    ];
  });
}

export function lintWorkflowFile(file: string, cwd = process.cwd()): LintFinding[] {
  const text = readFileSync(file, "utf8");
  const shown = relative(cwd, file) || file;
  return [
    ...lintWorkflowText(text, shown),
    ...reusableCallFindings(file, text).map((finding) => ({ ...finding, file: shown })),
  ].sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

export function formatFinding(finding: LintFinding): string {
  const where = [finding.job && `job "${finding.job}"`, finding.step && `step "${finding.step}"`]
    .filter(Boolean)
    .join(", ");
  return `${finding.file}:${finding.line}${where ? ` ${where}` : ""}: ${finding.message} [${finding.rule}]\n    fix: ${finding.fix}`;
}

/** The lint's findings as a report for JSON and SARIF. */
export function lintReport(findings: LintFinding[]): Report {
  const rules: RuleDescription[] = (Object.keys(RULE_INFO) as RuleId[]).map((id) => ({
    id,
    shortDescription: RULE_INFO[id].description,
    help: `${RULE_INFO[id].description}. Each finding says what to change (docs/ci.md, "Workflow lint").`,
    severity: RULE_INFO[id].severity,
    category: RULE_INFO[id].category,
  }));
  return {
    tool: { name: "zerosecrets-lint-workflows", version: "0.1.0" },
    automationId: "zerosecrets/lint-workflows",
    rules,
    findings: findings.map((finding) => ({
      ruleId: finding.rule,
      severity: RULE_INFO[finding.rule].severity,
      message: [finding.job && `job "${finding.job}"`, finding.step && `step "${finding.step}"`, finding.message]
        .filter(Boolean)
        .join(": "),
      fix: finding.fix,
      location: {
        file: finding.file,
        line: finding.line,
        ...(finding.job
          ? {
              logical: {
                kind: finding.step ? "step" : "job",
                name: finding.step ?? finding.job,
                fullyQualifiedName: `${finding.file}#${finding.job}${finding.step ? `/${finding.step}` : ""}`,
              },
            }
          : {}),
      },
    })),
  };
}
