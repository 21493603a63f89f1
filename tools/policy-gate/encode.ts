/**
 * Turns plain resource descriptions into the Analyzer protocol's messages, the way the engine
 * does: properties as a protobuf Struct (secrets and unknowns in their wire form), options always
 * set (the policy SDK throws "A more recent version of the Pulumi CLI is required" without them).
 */
import type { GateResource } from "../resource-snapshot";
import { analyzerProto, structProto } from "./protocol";

/** What the engine sends for a string whose value is unknown during preview. */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Wraps a value the way the engine marks a secret on the wire; the pack sees it unwrapped. */
export function secretValue(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

export type { GateResource } from "../resource-snapshot";

/** Struct.fromJavaScript rejects `undefined`; the engine omits such properties, so do we. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : withoutUndefined(v)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
    return out;
  }
  return value;
}

function toStruct(props: Record<string, unknown>) {
  return structProto.Struct.fromJavaScript(withoutUndefined(props) as any);
}

function resourceOptions(parent?: string) {
  const opts = new analyzerProto.AnalyzerResourceOptions();
  opts.setProtect(false);
  opts.setCustomtimeouts(new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
  if (parent) opts.setParent(parent);
  return opts;
}

function providerResource(ref: string) {
  const urn = ref.split("::").length > 4 ? ref.slice(0, ref.lastIndexOf("::")) : ref;
  const segments = urn.split("::");
  const provider = new analyzerProto.AnalyzerProviderResource();
  provider.setUrn(urn);
  provider.setType(segments.length >= 4 ? segments[2].split("$").pop()! : "");
  provider.setName(segments[segments.length - 1] ?? "");
  provider.setProperties(toStruct({}));
  return provider;
}

/** The fields AnalyzeRequest and AnalyzerResource share. */
interface ResourceMessage {
  setUrn(value: string): unknown;
  setType(value: string): unknown;
  setName(value: string): unknown;
  setProperties(value: ReturnType<typeof toStruct>): unknown;
  setOptions(value: ReturnType<typeof resourceOptions>): unknown;
  setProvider(value: ReturnType<typeof providerResource>): unknown;
}

function describeResource<M extends ResourceMessage>(message: M, r: GateResource, props: Record<string, unknown>): M {
  message.setUrn(r.urn);
  message.setType(r.type);
  message.setName(r.name);
  message.setProperties(toStruct(props));
  message.setOptions(resourceOptions(r.parent));
  if (r.provider) message.setProvider(providerResource(r.provider));
  return message;
}

/** Analyze sees the inputs the engine is about to apply. */
export function toAnalyzeRequest(r: GateResource) {
  return describeResource(new analyzerProto.AnalyzeRequest(), r, r.inputs);
}

/** AnalyzeStack sees the stack after the update, so outputs win when there are any. */
export function toAnalyzerResource(r: GateResource) {
  const res = describeResource(new analyzerProto.AnalyzerResource(), r, r.outputs ?? r.inputs);
  if (r.parent) res.setParent(r.parent);
  return res;
}
