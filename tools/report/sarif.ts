/**
 * A report as SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), in the subset
 * GitHub code scanning reads (https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/sarif-support):
 * one run per report, every rule described once with its help text, one result per finding with its rule, level,
 * message and a physical location (code scanning shows no result without one), paths relative to the repository
 * root so that alerts keep their place across runs, and a partial fingerprint of our own so that an alert about a
 * resource stays the same alert when the line it was declared on moves.
 */
import { createHash } from "node:crypto";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { Finding, Report, RuleDescription, Severity } from "./finding";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** GitHub orders alerts by this number (0.1–10): high for a blocking finding, medium for advice. */
const SECURITY_SEVERITY: Record<Severity, string> = { error: "8.0", warning: "5.0", note: "2.0" };

/** Inside the repository: a path relative to its root (what code scanning needs); outside: a file URL. */
function artifactUri(file: string, baseDir: string): { uri: string; uriBaseId?: string } {
  const absolute = resolve(baseDir, file);
  const path = relative(baseDir, absolute);
  if (path.startsWith("..") || isAbsolute(path)) return { uri: pathToFileURL(absolute).href };
  return { uri: path.split(sep).join("/") || ".", uriBaseId: "%SRCROOT%" };
}

function fingerprint(finding: Finding): string {
  const where = finding.location.logical?.fullyQualifiedName ?? `${finding.location.file}:${finding.location.line}`;
  return createHash("sha256")
    .update(`${finding.ruleId}\u0000${where}\u0000${finding.message}`)
    .digest("hex")
    .slice(0, 32);
}

function describeRule(rule: RuleDescription) {
  return {
    id: rule.id,
    name: rule.id
      .split(/[^A-Za-z0-9]+/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(""),
    shortDescription: { text: rule.shortDescription },
    fullDescription: { text: rule.shortDescription },
    help: { text: rule.help, markdown: rule.help },
    ...(rule.helpUri ? { helpUri: rule.helpUri } : {}),
    defaultConfiguration: { level: rule.severity },
    properties: { tags: ["security", rule.category], "security-severity": SECURITY_SEVERITY[rule.severity] },
  };
}

/**
 * @param baseDir the repository root (the checkout code scanning resolves relative paths against).
 */
export function toSarif(report: Report, baseDir: string): Record<string, unknown> {
  const ruleIndex = new Map(report.rules.map((rule, index) => [rule.id, index]));
  const results = report.findings.map((finding) => {
    const index = ruleIndex.get(finding.ruleId);
    if (index === undefined) throw new Error(`finding for undeclared rule ${finding.ruleId}`);
    const { file, line, column, logical } = finding.location;
    const text = finding.fix ? `${finding.message}\nFix: ${finding.fix}` : finding.message;
    return {
      ruleId: finding.ruleId,
      ruleIndex: index,
      level: finding.severity,
      message: { text },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifactUri(file ?? ".", baseDir),
            region: { startLine: Math.max(1, line ?? 1), ...(column ? { startColumn: Math.max(1, column) } : {}) },
          },
          ...(logical ? { logicalLocations: [{ ...logical }] } : {}),
        },
      ],
      partialFingerprints: { "zerosecrets/v1": fingerprint(finding) },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            semanticVersion: report.tool.version,
            rules: report.rules.map(describeRule),
          },
        },
        automationDetails: { id: `${report.automationId}/` },
        originalUriBaseIds: {
          "%SRCROOT%": { uri: pathToFileURL(baseDir.endsWith(sep) ? baseDir : `${baseDir}${sep}`).href },
        },
        results,
      },
    ],
  };
}
