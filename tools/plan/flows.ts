/**
 * What the gate itself reports about a run, beside the pack's verdicts: how each provider function was answered
 * offline, and where the values it planted went. A credential returned by a provider function (a storage account
 * key, a kubeconfig, a registry token) that lands in a resource is a long-lived secret deployed somewhere: a
 * mandatory finding, named after the function and the line that called it. A `secure:` config value is the
 * owner's own secret: where it lands is shown, and the pack judges the resource it lands in.
 */
import { relative } from "node:path";
import type { CallRecord, StackRun, ValueFlow } from "../mock-runtime";
import type { GateDiagnostic } from "../policy-gate";
import type { PolicySummary } from "../policy-gate/config";
import { describeResource } from "./gate";
import { shortTypeName } from "./tree";

export const GATE_PACK = "zerosecrets-gate";

export const GATE_POLICIES: PolicySummary[] = [
  {
    name: "no-credentials-from-provider-functions",
    description:
      "A credential returned by a provider function (storage account keys, cluster credentials, registry tokens) is written into a resource",
    enforcementLevel: "mandatory",
  },
  {
    name: "secret-config-destinations",
    description: "Where each secure (encrypted) stack config value lands",
    enforcementLevel: "advisory",
  },
];

const ANSWER_NOTES: Record<CallRecord["kind"], string> = {
  computed: "computed",
  configuration: "from the stack's provider config",
  "well-known": "a well-known public object",
  credential: "credential placeholder, marked secret and followed",
  placeholder: "live state: a placeholder shaped like the SDK's result type",
};

function shortToken(token: string): string {
  return shortTypeName(token);
}

function where(site: CallRecord["site"], baseDir: string): string {
  if (!site?.file) return "";
  return `${relative(baseDir, site.file) || site.file}:${site.line}`;
}

/** One line per function and answer: `aws:iam:getPolicyDocument  computed  index.ts:21, index.ts:40`. */
export function formatCalls(calls: CallRecord[], baseDir: string): string {
  if (calls.length === 0) return "";
  const byFunction = new Map<string, { kind: CallRecord["kind"]; sites: string[] }>();
  for (const call of calls) {
    const entry = byFunction.get(call.token) ?? { kind: call.kind, sites: [] };
    const site = where(call.site, baseDir);
    if (site && !entry.sites.includes(site)) entry.sites.push(site);
    byFunction.set(call.token, entry);
  }
  const width = Math.max(...[...byFunction.keys()].map((token) => shortToken(token).length));
  const lines = ["", "Provider functions (answered offline):"];
  for (const [token, { kind, sites }] of [...byFunction].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      `    ${shortToken(token).padEnd(width)}  ${ANSWER_NOTES[kind]}${sites.length ? `  (${sites.join(", ")})` : ""}`,
    );
  }
  return lines.join("\n");
}

function flowTarget(flow: ValueFlow, run: StackRun): string {
  const resource = run.resources.find((r) => r.urn === flow.urn);
  if (flow.where === "outputs") return `stack output ${flow.path}`;
  return `${describeResource(resource, flow.urn)} ${flow.path}`;
}

/** The gate's own diagnostics for a run: credentials from provider functions, and where secret config went. */
export function flowDiagnostics(run: StackRun, baseDir: string): GateDiagnostic[] {
  return run.flows.map((flow) => {
    const resource = run.resources.find((r) => r.urn === flow.urn);
    if (flow.origin.kind === "credential") {
      const site = where(flow.origin.site, baseDir);
      // A provider's own configuration (a kubeconfig for the Kubernetes provider) stays in Pulumi's state only.
      const intoProvider = resource?.type.startsWith("pulumi:providers:") === true;
      return {
        policyPackName: GATE_PACK,
        policyName: GATE_POLICIES[0]!.name,
        description: GATE_POLICIES[0]!.description!,
        message: `the credential returned by ${shortToken(flow.origin.token)}${site ? ` (called at ${site})` : ""} is written into ${flowTarget(flow, run)}: a long-lived secret deployed where it can be read. Give the consumer an identity instead (managed identity, workload identity federation, an IAM role, OIDC) and stop reading the key.`,
        urn: flow.where === "inputs" ? flow.urn : "",
        enforcementLevel: intoProvider ? "advisory" : "mandatory",
      };
    }
    return {
      policyPackName: GATE_PACK,
      policyName: GATE_POLICIES[1]!.name,
      description: GATE_POLICIES[1]!.description!,
      message: `secure config ${flow.origin.key} lands in ${flowTarget(flow, run)} (its value is not known offline; the pack sees an unknown value there)`,
      urn: flow.where === "inputs" ? flow.urn : "",
      enforcementLevel: "advisory",
    };
  });
}
