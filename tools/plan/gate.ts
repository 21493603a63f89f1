/**
 * Runs the policy pack over resources the way the engine does during `pulumi preview`: Analyze for every
 * resource, then AnalyzeStack over all of them, through the Analyzer gRPC protocol. Prints the diagnostics the
 * way a reviewer needs them: level, policy, resource, and the pack's message (which names the property path
 * and the fix, and never the value).
 */
import { startPolicyPack, type GateDiagnostic, type GateResource, type PolicyPackSession } from "../policy-gate";

export interface GateResult {
  packName: string;
  packVersion: string;
  diagnostics: GateDiagnostic[];
}

export interface GateOptions {
  packDir?: string;
  config?: Record<string, unknown>;
  /** What AnalyzeStack sees, when it differs from what Analyze sees (default: the same resources). */
  stackResources?: GateResource[];
  /**
   * A pack already starting: starting it takes seconds (ts-node compiles the pack), so `plan` starts it while the
   * program runs under the mock runtime. The gate closes it.
   */
  session?: Promise<PolicyPackSession>;
}

export async function runGate(resources: GateResource[], options: GateOptions = {}): Promise<GateResult> {
  const session = await (options.session ?? startPolicyPack({ packDir: options.packDir, config: options.config }));
  try {
    const info = await session.info();
    const perResource = await session.analyze(resources);
    const stack = await session.analyzeStack(options.stackResources ?? resources);
    // The same finding can come back from several calls (audit analyses inputs and outputs): report it once.
    const seen = new Set<string>();
    const diagnostics = [...perResource, ...stack].filter((diagnostic) => {
      const key = `${diagnostic.policyName}\u0000${diagnostic.urn}\u0000${diagnostic.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    return { packName: info.name, packVersion: info.version, diagnostics };
  } finally {
    await session.close();
  }
}

export function mandatoryCount(result: GateResult): number {
  return result.diagnostics.filter((diagnostic) => diagnostic.enforcementLevel === "mandatory").length;
}

const LEVEL_ORDER = ["mandatory", "remediate", "advisory", "disabled"];

/** Prints each diagnostic's resource as `type "name"`, the way a reader finds it in the tree or the program. */
export function formatGateResult(result: GateResult, resources: { urn: string; type: string; name: string }[]): string {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const describe = (urn: string) => (byUrn.has(urn) ? `${byUrn.get(urn)!.type} "${byUrn.get(urn)!.name}"` : urn);
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
    const where = diagnostic.urn ? describe(diagnostic.urn) : "(stack)";
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
