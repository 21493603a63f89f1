/**
 * `audit`: the policy pack over a deployed stack's export (the clean-up phase of a migration: find the static
 * secrets already deployed). Each resource is analysed with its inputs and with its outputs; the output is
 * scrubbed of every plaintext secret value the export holds, in case any message quoted one.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Progress } from "../cli/progress";
import type { Report } from "../report/finding";
import { toGateResource } from "../resource-snapshot";
import { formatGateResult, gateReport, mandatoryCount, runGate, type GateResult } from "./gate";
import { SECRET_MARK } from "./plan-file";
import { readStackExport } from "./stack-export";

export interface AuditOutcome {
  gate: GateResult;
  report: Report;
  /** Resources in the export. */
  resourceCount: number;
  exitCode: number;
}

/** Shorter values are too common to scrub without mangling the report (and too short to be a credential). */
const MIN_SCRUB_LENGTH = 6;

export function scrub(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length >= MIN_SCRUB_LENGTH)
    .sort((a, b) => b.length - a.length)
    .reduce((result, secret) => result.split(secret).join(SECRET_MARK), text);
}

/** Line of the export on which each URN first appears, so a finding points into the file. */
function urnLines(file: string): Map<string, number> {
  const lines = new Map<string, number>();
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      const match = /"urn"\s*:\s*"([^"]+)"/.exec(line);
      if (match && !lines.has(match[1]!)) lines.set(match[1]!, index + 1);
    });
  return lines;
}

export async function runAudit(
  file: string,
  log: (text: string) => void,
  options: { packDir?: string; policyConfig?: Record<string, unknown>; baseDir?: string; progress?: Progress } = {},
): Promise<AuditOutcome> {
  const exported = readStackExport(file);
  const asInputs = exported.resources.map((resource) => toGateResource(resource, "inputs"));
  // Outputs hold what the provider returned (an access key's `secret`, a password's `value`): analyse them too.
  const asOutputs = exported.resources.map((resource) => toGateResource(resource, "outputs"));
  options.progress?.start("Analysing resources", asInputs.length + asOutputs.length);
  let gate: GateResult;
  try {
    // As after an update, AnalyzeStack sees each resource once, with its outputs.
    gate = await runGate([...asInputs, ...asOutputs], {
      packDir: options.packDir,
      config: options.policyConfig,
      stackResources: asOutputs,
      onProgress: (done) => options.progress?.update(done),
    });
  } finally {
    options.progress?.stop();
  }
  const lines = [`Audit of ${file}: ${exported.resources.length} resources`];
  if (exported.ciphertextCount > 0) {
    lines.push(
      `Note: ${exported.ciphertextCount} secret value(s) are encrypted in this export, so their content was not scanned; export with \`pulumi stack export --show-secrets\` to include them.`,
    );
  }
  lines.push(formatGateResult(gate, exported.resources));
  log(scrub(lines.join("\n"), exported.plaintextSecrets));

  const baseDir = options.baseDir ?? process.cwd();
  const where = urnLines(file);
  const shownFile = relative(baseDir, resolve(file));
  const report = gateReport(gate, {
    automationId: `zerosecrets/audit/${exported.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.name ?? "stack"}`,
    fallbackFile: shownFile,
    // A deployed resource's place is the line of the export that holds it.
    resources: exported.resources.map((resource) => ({
      ...resource,
      source: { file: resolve(file), line: where.get(resource.urn) ?? 1, column: 1 },
    })),
    baseDir,
  });
  const scrubbed: Report = {
    ...report,
    findings: report.findings.map((finding) => ({
      ...finding,
      message: scrub(finding.message, exported.plaintextSecrets),
    })),
  };
  return {
    gate,
    report: scrubbed,
    resourceCount: exported.resources.length,
    exitCode: mandatoryCount(gate) > 0 ? 1 : 0,
  };
}
