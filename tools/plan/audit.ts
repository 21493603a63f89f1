/**
 * `audit`: the policy pack over a deployed stack's export (the clean-up phase of a migration: find the static
 * secrets already deployed). Each resource is analysed with its inputs and with its outputs; the output is
 * scrubbed of every plaintext secret value the export holds, in case any message quoted one.
 */
import type { GateResource } from "../policy-gate";
import { formatGateResult, mandatoryCount, runGate, type GateResult } from "./gate";
import { SECRET_MARK } from "./plan-file";
import { readStackExport } from "./stack-export";

export interface AuditOutcome {
  gate: GateResult;
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

export async function runAudit(
  file: string,
  log: (text: string) => void,
  options: { packDir?: string; policyConfig?: Record<string, unknown> } = {},
): Promise<AuditOutcome> {
  const exported = readStackExport(file);
  const asInputs: GateResource[] = exported.resources.map(({ urn, type, name, parent, provider, inputs }) => ({
    urn,
    type,
    name,
    parent,
    provider,
    inputs,
  }));
  // Outputs hold what the provider returned (an access key's `secret`, a password's `value`): analyse them too.
  const asOutputs: GateResource[] = exported.resources.map(({ urn, type, name, parent, provider, outputs }) => ({
    urn,
    type,
    name,
    parent,
    provider,
    inputs: outputs,
  }));
  // As after an update, AnalyzeStack sees each resource once, with its outputs.
  const gate = await runGate([...asInputs, ...asOutputs], {
    packDir: options.packDir,
    config: options.policyConfig,
    stackResources: asOutputs,
  });
  const lines = [`Audit of ${file}: ${exported.resources.length} resources`];
  if (exported.ciphertextCount > 0) {
    lines.push(
      `Note: ${exported.ciphertextCount} secret value(s) are encrypted in this export, so their content was not scanned; export with \`pulumi stack export --show-secrets\` to include them.`,
    );
  }
  lines.push(formatGateResult(gate, exported.resources));
  log(scrub(lines.join("\n"), exported.plaintextSecrets));
  return { gate, exitCode: mandatoryCount(gate) > 0 ? 1 : 0 };
}
