/**
 * Policy configuration in the format of `pulumi preview --policy-pack-config <file>`:
 * `{ "all": "advisory", "<policy>": "disabled" | { "enforcementLevel"?: ..., ...properties } }`.
 * The engine checks it against each policy's configSchema before it calls Configure; so does the
 * gate (with Ajv, a full JSON Schema validator), so a typo fails with a message instead of being silently ignored.
 */
import Ajv, { type ErrorObject } from "ajv";
import { analyzerProto, structProto } from "./protocol";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
const levels: Record<EnforcementLevel, number> = {
  advisory: analyzerProto.EnforcementLevel.ADVISORY,
  mandatory: analyzerProto.EnforcementLevel.MANDATORY,
  disabled: analyzerProto.EnforcementLevel.DISABLED,
  remediate: analyzerProto.EnforcementLevel.REMEDIATE,
};

export function enforcementLevelName(level: number): EnforcementLevel {
  const name = (Object.keys(levels) as EnforcementLevel[]).find((k) => levels[k] === level);
  if (!name) throw new Error(`the policy pack answered with unknown enforcement level ${level}`);
  return name;
}

export interface PolicySummary {
  name: string;
  /** What the policy fails, as the pack describes it. */
  description?: string;
  enforcementLevel: EnforcementLevel;
  /** JSON schema of the policy's configuration properties. */
  configSchema?: { properties?: Record<string, Record<string, unknown>>; required?: string[] };
}

function checkLevel(value: unknown, where: string): EnforcementLevel {
  if (typeof value === "string" && value in levels) return value as EnforcementLevel;
  throw new Error(
    `policy config ${where}: enforcement level must be one of ${Object.keys(levels).join(", ")}, got ${JSON.stringify(value)}`,
  );
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

// The schemas come from the pack itself (its policies' configSchema) and Ajv refuses a malformed one when it
// compiles it; checking them against the JSON Schema meta-schema first would only add a compile of the meta-schema.
const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false });

/** Reads an Ajv error the way a person fixing the file needs it: the property, what was expected, what was there. */
function describe(policy: PolicySummary, error: ErrorObject, props: Record<string, unknown>): string {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  const where = [policy.name, ...path].join(".");
  if (error.keyword === "additionalProperties") {
    const unknown = (error.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys(policy.configSchema?.properties ?? {});
    return `policy config "${policy.name}": unknown property "${unknown}"; ${known.length ? `it accepts ${known.join(", ")}` : "it takes no properties besides enforcementLevel"}`;
  }
  if (error.keyword === "type") {
    const actual = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], props);
    return `policy config "${where}": expected ${(error.params as { type: string }).type}, got ${jsonType(actual)}`;
  }
  if (error.keyword === "required") {
    return `policy config "${policy.name}": property "${(error.params as { missingProperty: string }).missingProperty}" is required`;
  }
  return `policy config "${where}": ${error.message ?? "invalid"}`;
}

/** Compiled validators by schema text: the pack's policies share a handful of configuration shapes. */
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates one policy's properties against the schema the pack published for it. */
function checkProperties(policy: PolicySummary, props: Record<string, unknown>): void {
  const schema = {
    type: "object",
    properties: policy.configSchema?.properties ?? {},
    ...(policy.configSchema?.required?.length ? { required: policy.configSchema.required } : {}),
    additionalProperties: false,
  };
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) validators.set(key, (validate = ajv.compile(schema)));
  if (!validate(props)) throw new Error(describe(policy, validate.errors![0]!, props));
}

/** Builds the Configure request; every policy is listed so that none falls back to enum 0 (advisory). */
export function toConfigureRequest(config: Record<string, unknown>, policies: PolicySummary[]) {
  const byName = new Map(policies.map((p) => [p.name, p]));
  for (const key of Object.keys(config)) {
    if (key !== "all" && !byName.has(key)) {
      throw new Error(`policy config names unknown policy "${key}"; the pack has: ${[...byName.keys()].join(", ")}`);
    }
  }
  const all = config.all === undefined ? undefined : checkLevel(config.all, `"all"`);
  const req = new analyzerProto.ConfigureAnalyzerRequest();
  for (const policy of policies) {
    const entry = config[policy.name];
    let level = all ?? policy.enforcementLevel;
    let props: Record<string, unknown> = {};
    if (typeof entry === "string") {
      level = checkLevel(entry, `"${policy.name}"`);
    } else if (entry !== undefined) {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new Error(
          `policy config "${policy.name}": expected an enforcement level or an object, got ${jsonType(entry)}`,
        );
      }
      const { enforcementLevel, ...rest } = entry as Record<string, unknown>;
      if (enforcementLevel !== undefined) level = checkLevel(enforcementLevel, `"${policy.name}.enforcementLevel"`);
      checkProperties(policy, rest);
      props = rest;
    }
    const pc = new analyzerProto.PolicyConfig();
    pc.setEnforcementlevel(levels[level] as never);

    pc.setProperties(structProto.Struct.fromJavaScript(props as any));
    req.getPolicyconfigMap().set(policy.name, pc);
  }
  return req;
}
