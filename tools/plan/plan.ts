/**
 * `plan`: the program under Pulumi's mock runtime with the stack's real config file -> a masked, deterministic
 * plan file and a `pulumi preview`-style tree -> the policy pack over the unmasked resources, as the engine
 * would run it. The pack must see real values (a masked secret cannot be detected); only what is written or
 * printed is masked.
 */
import { relative } from "node:path";
import { runStackUnderMocks, type StackRun } from "../mock-runtime";
import { startPolicyPack, UNKNOWN_STRING, type GateResource } from "../policy-gate";
import { formatGateResult, mandatoryCount, runGate, type GateResult } from "./gate";
import { maskInputs } from "./mask";
import { defaultPolicyConfigFile, readPolicyConfig } from "./policy-config";
import { buildPlanFile, UNKNOWN_MARK, writePlanFile, type PlanFile } from "./plan-file";
import { renderPlanTree } from "./tree";

export interface PlanOptions {
  stack: string;
  /** Another copy of the program (default: this repository). */
  projectDir?: string;
  out: string;
  gate: boolean;
  /** Policy configuration file (the `--policy-pack-config` format); default `policy/config.<stack>.json` if present. */
  policyConfigFile?: string;
  log: (text: string) => void;
}

export interface PlanOutcome {
  plan: PlanFile;
  gate?: GateResult;
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

export async function runPlan(options: PlanOptions): Promise<PlanOutcome> {
  const configFile = options.policyConfigFile ?? defaultPolicyConfigFile(options.stack);
  const config = configFile ? readPolicyConfig(configFile) : undefined;
  // The pack and the program start side by side: each takes seconds, mostly compiling TypeScript.
  const session = options.gate ? startPolicyPack({ config }) : undefined;
  // Its failure is reported where the gate awaits it; until then it must not count as unhandled.
  session?.catch(() => undefined);
  let run: StackRun;
  try {
    run = await runStackUnderMocks({ stack: options.stack, projectDir: options.projectDir });
  } catch (error) {
    await session?.then((started) => started.close()).catch(() => undefined);
    throw error;
  }
  const resources = await Promise.all(
    run.resources.map(async (resource) => ({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      ...(resource.parent ? { parent: resource.parent } : {}),
      custom: resource.custom,
      inputs: replaceUnknowns(await maskInputs(resource.inputs, resource.secretPaths)) as Record<string, unknown>,
    })),
  );
  const plan = buildPlanFile(run.project, run.stack, resources);
  writePlanFile(options.out, plan);
  options.log(`Offline plan of stack ${run.stack} (project ${run.project}, Pulumi mock runtime): ${options.out}\n`);
  options.log(renderPlanTree(plan));
  if (!session) return { plan, exitCode: 0 };

  const gateResources: GateResource[] = run.resources.map((resource) => ({
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    inputs: resource.inputs,
    parent: resource.parent,
    provider: resource.provider,
  }));
  if (configFile) options.log(`\nPolicy configuration: ${relative(process.cwd(), configFile) || configFile}`);
  const gate = await runGate(gateResources, { session });
  options.log(formatGateResult(gate, plan.resources));
  return { plan, gate, exitCode: mandatoryCount(gate) > 0 ? 1 : 0 };
}
