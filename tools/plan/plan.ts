/**
 * `plan`: the program under Pulumi's mock runtime, set up as `pulumi preview` sets it up (a dry run, the stack's
 * real config file, `secure:` values as secrets) -> a masked, deterministic plan file and a `pulumi preview`-style
 * tree -> the policy pack over the unmasked resources, as the engine would run it, plus the gate's own findings
 * about credentials from provider functions. The pack must see real values (a masked secret cannot be detected);
 * only what is written or printed is masked.
 */
import { relative, resolve } from "node:path";
import type { Progress } from "../cli/progress";
import { runStackUnderMocks, type OutputMode, type StackRun } from "../mock-runtime";
import { securePlaceholder } from "../mock-runtime/stack-file";
import { startPolicyPack, UNKNOWN_STRING } from "../policy-gate";
import type { Report } from "../report/finding";
import { toGateResource, toPlanResource, type ResourceSnapshot } from "../resource-snapshot";
import { flowDiagnostics, formatCalls, GATE_POLICIES } from "./flows";
import { formatGateResult, gateReport, mandatoryCount, runGate, type GateResult } from "./gate";
import { maskInputs } from "./mask";
import { choosePolicyConfig } from "./policy-config";
import { buildPlanFile, UNKNOWN_MARK, writePlanFile, type PlanFile } from "./plan-file";
import { renderPlanTree } from "./tree";

export interface PlanOptions {
  stack: string;
  /** Another copy of the program, or another project's (default: this repository). */
  projectDir?: string;
  out: string;
  gate: boolean;
  /** Policy configuration file (the `--policy-pack-config` format); this project's stacks default to theirs. */
  policyConfigFile?: string;
  /** What `pulumi.getOrganization()` returns. */
  organization?: string;
  /** Computed outputs of resources to be created: plausible values (default) or unknown, as `pulumi preview`. */
  outputs?: OutputMode;
  /** Paths in findings are relative to this directory (default: the current directory, the checkout in CI). */
  baseDir?: string;
  log: (text: string) => void;
  progress?: Progress;
  /** A run of the program already recorded (the tests share one run of each stack). */
  stackRun?: StackRun;
}

export interface PlanOutcome {
  plan: PlanFile;
  run: StackRun;
  gate?: GateResult;
  /** The gate's findings, for JSON and SARIF. */
  report?: Report;
  /** 0 when the gate passed (or was skipped), 1 on a mandatory violation. */
  exitCode: number;
}

function replaceUnknowns(value: unknown): unknown {
  if (value === UNKNOWN_STRING) return UNKNOWN_MARK;
  if (Array.isArray(value)) return value.map(replaceUnknowns);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknowns(v)]));
  return value;
}

/** What the analyzer sees of a secure config value: unknown, as it cannot be known offline. */
function hideSecureValues(resource: ResourceSnapshot, placeholders: Set<string>): ResourceSnapshot {
  if (placeholders.size === 0) return resource;
  const swap = (value: unknown): unknown => {
    if (typeof value === "string") return placeholders.has(value) ? UNKNOWN_STRING : value;
    if (Array.isArray(value)) return value.map(swap);
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return { ...resource, inputs: swap(resource.inputs) as Record<string, unknown> };
}

export async function runPlan(options: PlanOptions): Promise<PlanOutcome> {
  const projectDir = resolve(options.projectDir ?? resolve(__dirname, "..", ".."));
  const baseDir = options.baseDir ?? process.cwd();
  const policy = choosePolicyConfig({ projectDir, stack: options.stack, file: options.policyConfigFile });
  // The pack and the program start side by side: each takes a second or so.
  const session = options.gate ? startPolicyPack({ config: policy.config }) : undefined;
  // Its failure is reported where the gate awaits it; until then it must not count as unhandled.
  session?.catch(() => undefined);
  let run: StackRun;
  if (!options.stackRun) options.progress?.start("Running the program under the mock runtime", 1);
  try {
    run =
      options.stackRun ??
      (await runStackUnderMocks({
        stack: options.stack,
        projectDir,
        dryRun: true,
        outputs: options.outputs ?? "mocked",
        organization: options.organization,
      }));
  } catch (error) {
    await session?.then((started) => started.close()).catch(() => undefined);
    throw error;
  } finally {
    options.progress?.stop();
  }
  const resources = await Promise.all(
    run.resources.map(async (resource) =>
      toPlanResource(
        resource,
        replaceUnknowns(await maskInputs(resource.inputs, resource.secretPaths)) as Record<string, unknown>,
      ),
    ),
  );
  const plan = buildPlanFile(run.project, run.stack, resources);
  writePlanFile(options.out, plan);
  options.log(
    `Offline plan of stack ${run.organization}/${run.project}/${run.stack} (Pulumi mock runtime, preview): ${options.out}\n`,
  );
  options.log(renderPlanTree(plan));
  const calls = formatCalls(run.calls, projectDir);
  if (calls) options.log(calls);
  if (!session) return { plan, run, exitCode: 0 };

  const placeholders = new Set(run.secureConfigKeys.map(securePlaceholder));
  const gateResources = run.resources.map((resource) => toGateResource(hideSecureValues(resource, placeholders)));
  options.log(
    `\nPolicy configuration: ${policy.file ? relative(process.cwd(), policy.file) || policy.file : policy.reason}`,
  );
  options.progress?.start("Analysing resources", gateResources.length);
  let gate: GateResult;
  try {
    gate = await runGate(gateResources, { session, onProgress: (done) => options.progress?.update(done) });
  } finally {
    options.progress?.stop();
  }
  const own = flowDiagnostics(run, projectDir);
  if (own.length > 0)
    gate = { ...gate, policies: [...gate.policies, ...GATE_POLICIES], diagnostics: [...gate.diagnostics, ...own] };
  options.log(formatGateResult(gate, plan.resources));
  const report = gateReport(gate, {
    automationId: `zerosecrets/plan/${run.project}/${run.stack}`,
    fallbackFile: relative(baseDir, resolve(projectDir, `Pulumi.${run.stack}.yaml`)),
    resources: run.resources,
    baseDir,
  });
  return { plan, run, gate, report, exitCode: mandatoryCount(gate) > 0 ? 1 : 0 };
}
