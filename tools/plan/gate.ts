/**
 * Runs the policy pack over resources the way the engine does during `pulumi preview`: Analyze for every
 * resource, then AnalyzeStack over all of them, through the Analyzer gRPC protocol. Prints the diagnostics the
 * way a reviewer needs them: level, policy, resource, and the pack's message (which names the property path
 * and the fix, and never the value). The same result becomes findings for JSON and SARIF (`gateReport`).
 */
import { isAbsolute, relative } from "node:path";
import { startPolicyPack, type GateDiagnostic, type GateResource, type PolicyPackSession } from "../policy-gate";
import type { PolicySummary } from "../policy-gate/config";
import type { Finding, Report, RuleDescription, Severity } from "../report/finding";
import type { SourcePosition } from "../resource-snapshot";
import { shortTypeName } from "./tree";

export interface GateResult {
  packName: string;
  packVersion: string;
  /** The pack's policies (and the gate's own), for rule descriptions in SARIF. */
  policies: PolicySummary[];
  diagnostics: GateDiagnostic[];
}

export interface GateOptions {
  packDir?: string;
  config?: Record<string, unknown>;
  /** What AnalyzeStack sees, when it differs from what Analyze sees (default: the same resources). */
  stackResources?: GateResource[];
  /**
   * A pack already starting: `plan` starts it while the program runs under the mock runtime. The gate closes it.
   */
  session?: Promise<PolicyPackSession>;
  /** Hears how many resources Analyze has finished (for a progress bar). */
  onProgress?: (done: number) => void;
}

export async function runGate(resources: GateResource[], options: GateOptions = {}): Promise<GateResult> {
  const session = await (options.session ?? startPolicyPack({ packDir: options.packDir, config: options.config }));
  try {
    const info = await session.info();
    const perResource = await session.analyze(resources, options.onProgress);
    const stack = await session.analyzeStack(options.stackResources ?? resources);
    // The same finding can come back from several calls (audit analyses inputs and outputs): report it once.
    const seen = new Set<string>();
    const diagnostics = [...perResource, ...stack].filter((diagnostic) => {
      const key = `${diagnostic.policyName}\u0000${diagnostic.urn}\u0000${diagnostic.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    return { packName: info.name, packVersion: info.version, policies: info.policies, diagnostics };
  } finally {
    await session.close();
  }
}

export function mandatoryCount(result: GateResult): number {
  return result.diagnostics.filter((diagnostic) => diagnostic.enforcementLevel === "mandatory").length;
}

const LEVEL_ORDER = ["mandatory", "remediate", "advisory", "disabled"];

type Described = { urn: string; type: string; name: string };

/** `aws:iam:Role "deploy"`: how a reader finds a resource in the tree or the program. */
export function describeResource(resource: Described | undefined, urn: string): string {
  return resource ? `${shortTypeName(resource.type)} "${resource.name}"` : urn;
}

/** Prints each diagnostic's resource as `type "name"`, the way a reader finds it in the tree or the program. */
export function formatGateResult(result: GateResult, resources: Described[]): string {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const sorted = [...result.diagnostics].sort(
    (a, b) =>
      LEVEL_ORDER.indexOf(a.enforcementLevel) - LEVEL_ORDER.indexOf(b.enforcementLevel) ||
      a.urn.localeCompare(b.urn) ||
      a.policyName.localeCompare(b.policyName) ||
      a.message.localeCompare(b.message),
  );
  const mandatory = mandatoryCount(result);
  const lines = ["", `Policies (${result.packName}@v${result.packVersion}):`];
  if (sorted.length === 0) lines.push("    ✓ no violations");
  for (const diagnostic of sorted) {
    const where = diagnostic.urn ? describeResource(byUrn.get(diagnostic.urn), diagnostic.urn) : "(stack)";
    lines.push(
      `    ${diagnostic.enforcementLevel === "mandatory" ? "✗" : "!"} [${diagnostic.enforcementLevel}] ${diagnostic.policyName}  ${where}`,
    );
    for (const line of diagnostic.message.trim().split("\n")) lines.push(`        ${line}`);
  }
  lines.push(
    "",
    mandatory > 0
      ? `Gate: FAILED (${mandatory} mandatory violation${mandatory === 1 ? "" : "s"})`
      : `Gate: passed (${sorted.length} advisory finding${sorted.length === 1 ? "" : "s"})`,
  );
  return lines.join("\n");
}

/** A mandatory violation blocks (an error in code scanning); anything else is advice. */
export function severityOf(level: string): Severity {
  return level === "mandatory" || level === "remediate" ? "error" : level === "advisory" ? "warning" : "note";
}

export interface GateReportContext {
  automationId: string;
  /** Where a finding about the whole stack, or a resource without a known source line, points. */
  fallbackFile: string;
  resources: (Described & { source?: SourcePosition })[];
  /** Paths in findings are relative to this directory (the repository root in CI). */
  baseDir: string;
}

/** The gate's result as findings: one per diagnostic, at the line that declared the resource. */
export function gateReport(result: GateResult, context: GateReportContext): Report {
  const byUrn = new Map(context.resources.map((resource) => [resource.urn, resource]));
  const rules: RuleDescription[] = result.policies.map((policy) => ({
    id: policy.name,
    shortDescription: policy.description || policy.name,
    help: `${policy.description || policy.name}. Each finding's message names the resource, the property and the fix (the rules are described in docs/policy.md). Enforcement: ${policy.enforcementLevel} by default; change it with --policy-config.`,
    severity: severityOf(policy.enforcementLevel),
    category: policy.name.startsWith("federation") ? "federation" : "credentials",
  }));
  const known = new Set(rules.map((rule) => rule.id));
  for (const diagnostic of result.diagnostics) {
    if (known.has(diagnostic.policyName)) continue;
    known.add(diagnostic.policyName);
    rules.push({
      id: diagnostic.policyName,
      shortDescription: diagnostic.description || diagnostic.policyName,
      help: diagnostic.description || diagnostic.policyName,
      severity: severityOf(diagnostic.enforcementLevel),
      category: "credentials",
    });
  }
  const findings: Finding[] = result.diagnostics.map((diagnostic) => {
    const resource = byUrn.get(diagnostic.urn);
    const source = resource?.source;
    // Inside the checkout, relative to it (code scanning wants that); outside it, the absolute path.
    const shown = source ? relative(context.baseDir, source.file) : context.fallbackFile;
    const file = source && (shown.startsWith("..") || isAbsolute(shown)) ? source.file : shown;
    return {
      ruleId: diagnostic.policyName,
      severity: severityOf(diagnostic.enforcementLevel),
      message: `${diagnostic.urn ? describeResource(resource, diagnostic.urn) : "the stack"}: ${diagnostic.message.trim()}`,
      location: {
        file,
        ...(source ? { line: source.line, column: source.column } : {}),
        logical: diagnostic.urn
          ? { kind: "resource", name: resource?.name ?? diagnostic.urn, fullyQualifiedName: diagnostic.urn }
          : { kind: "stack", name: "stack", fullyQualifiedName: context.automationId },
      },
    };
  });
  return {
    tool: { name: "zerosecrets-gate", version: result.packVersion },
    automationId: context.automationId,
    rules,
    findings,
  };
}
