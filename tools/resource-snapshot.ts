/**
 * One resource as every tool sees it: recorded by the mock runtime, read from a `pulumi stack export`, written to
 * and read from a plan file, sent to the policy gate. One type and, in this file, every adapter between it and the
 * shapes those formats need, so a field added here reaches each of them the same way.
 */

/** Where the program constructed a resource or called a provider function (`pulumi preview` shows the same). */
export interface SourcePosition {
  /** Absolute path of the file. */
  file: string;
  line: number;
  column: number;
}

export interface ResourceSnapshot {
  urn: string;
  type: string;
  name: string;
  /** Parent URN (components included); undefined only for the stack resource itself. */
  parent?: string;
  /** false for component resources (and the `pulumi:pulumi:Stack` root). */
  custom: boolean;
  /** Provider reference (`<provider-urn>::<id>`) when the resource names one. */
  provider?: string;
  /** Plain JSON, secrets unwrapped (the analyzer sees them so too). */
  inputs: Record<string, unknown>;
  /** What the provider returned (mocked, or from an export); for components, what they registered as outputs. */
  outputs: Record<string, unknown>;
  /** Property paths (`a.b[0].c`) of inputs that were marked secret, so a plan can mask them. */
  secretPaths: string[];
  /** URNs this resource depends on (`dependsOn` and input dependencies). */
  dependencies: string[];
  /** Where the program constructed it, when known. */
  source?: SourcePosition;
}

/** The subset of a snapshot the Analyzer protocol carries (the gate's request messages). */
export type GateResource = Pick<ResourceSnapshot, "urn" | "type" | "name" | "inputs"> &
  Partial<Pick<ResourceSnapshot, "parent" | "provider" | "outputs">>;

/** A snapshot with the defaults every source agrees on; tests and fixtures build resources through this. */
export function snapshot(
  fields: Pick<ResourceSnapshot, "urn" | "type" | "name"> & Partial<ResourceSnapshot>,
): ResourceSnapshot {
  return {
    custom: !fields.type.startsWith("pulumi:pulumi:"),
    inputs: {},
    outputs: {},
    secretPaths: [],
    dependencies: [],
    ...fields,
  };
}

/** The URN Pulumi gives a resource: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`. */
export function urnFor(stack: string, project: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** The resource name is the URN's last `::` segment (`urn:pulumi:stack::project::type::name`). */
export function nameFromUrn(urn: string): string {
  return urn.split("::").slice(3).join("::") || urn;
}

/**
 * What the engine analyses. `Analyze` sees the inputs it is about to apply; `AnalyzeStack` after an update sees the
 * outputs. `view: "outputs"` sends the outputs as the properties (the audit of a deployed stack).
 */
export function toGateResource(resource: ResourceSnapshot, view: "inputs" | "outputs" = "inputs"): GateResource {
  const { urn, type, name, parent, provider } = resource;
  return {
    urn,
    type,
    name,
    ...(parent ? { parent } : {}),
    ...(provider ? { provider } : {}),
    inputs: view === "inputs" ? resource.inputs : resource.outputs,
    ...(view === "inputs" && Object.keys(resource.outputs).length > 0 ? { outputs: resource.outputs } : {}),
  };
}

/** What a plan file keeps of a resource: its identity, tree position and (already masked) inputs. */
export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

export function toPlanResource(resource: ResourceSnapshot, maskedInputs: Record<string, unknown>): PlanResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    ...(resource.parent ? { parent: resource.parent } : {}),
    custom: resource.custom,
    inputs: maskedInputs,
  };
}

/** A resource of a `pulumi stack export` (deployment version 3), secrets already unwrapped. */
export interface ExportedResourceFields {
  urn: string;
  type: string;
  custom?: boolean;
  parent?: string;
  provider?: string;
  dependencies?: string[];
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export function fromExportedResource(resource: ExportedResourceFields): ResourceSnapshot {
  return snapshot({
    urn: resource.urn,
    type: resource.type,
    name: nameFromUrn(resource.urn),
    ...(resource.custom !== undefined ? { custom: resource.custom } : {}),
    ...(resource.parent ? { parent: resource.parent } : {}),
    ...(resource.provider ? { provider: resource.provider } : {}),
    dependencies: resource.dependencies ?? [],
    inputs: resource.inputs,
    outputs: resource.outputs,
  });
}
