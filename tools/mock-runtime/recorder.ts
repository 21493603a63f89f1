/**
 * Records every registration the program makes with the SDK's mock monitor, with what `Mocks.newResource` alone
 * does not see: the URN, the parent URN, whether the resource is custom, its dependencies, which inputs were secret
 * and where the program constructed it. Component resources pass through `registerResource` too (with
 * `custom: false`), so the tree is complete.
 *
 * It also follows values the gate planted: the placeholder of a `secure:` config value and every credential a
 * provider function returned. Wherever one lands (whole, or inside a longer string such as a connection string) the
 * path is marked secret and a flow is recorded, so the plan masks it and the gate can say where it went.
 */
import { fileURLToPath } from "node:url";
import type { ResourceSnapshot, SourcePosition } from "../resource-snapshot";
import { toPlain } from "./serialized";

/** Where a followed value came from. */
export type FlowOrigin =
  | { kind: "secure-config"; key: string }
  | { kind: "credential"; token: string; site?: Partial<SourcePosition> & { parentName?: string } };

export interface ValueFlow {
  /** The resource the value landed in. */
  urn: string;
  /** `inputs` of a resource, or `outputs` of the stack (an exported stack output). */
  where: "inputs" | "outputs";
  /** Property path inside it (`environment.variables.KEY`). */
  path: string;
  origin: FlowOrigin;
}

/** Values to follow, by their exact text. */
export class FlowTracker {
  private readonly values = new Map<string, FlowOrigin>();
  readonly flows: ValueFlow[] = [];

  follow(value: string, origin: FlowOrigin): void {
    if (value.length >= 8) this.values.set(value, origin);
  }

  /** Records where followed values sit in `tree`; returns their paths. */
  scan(urn: string, where: ValueFlow["where"], tree: unknown): string[] {
    if (this.values.size === 0) return [];
    const paths: string[] = [];
    const visit = (value: unknown, path: string) => {
      if (typeof value === "string") {
        for (const [followed, origin] of this.values) {
          if (!value.includes(followed)) continue;
          paths.push(path);
          this.flows.push({ urn, where, path, origin });
          break;
        }
      } else if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`));
      else if (value !== null && typeof value === "object")
        for (const [key, item] of Object.entries(value)) visit(item, path === "" ? key : `${path}.${key}`);
    };
    visit(tree, "");
    return paths;
  }
}

/** The parts of the SDK's MockMonitor and its request objects that are touched here. */
interface Struct {
  toJavaScript(): Record<string, unknown>;
}
interface SourcePositionMessage {
  getUri(): string;
  getLine(): number;
  getColumn(): number;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): Struct | undefined;
  getSourceposition?(): SourcePositionMessage | undefined;
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): Struct | undefined;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): Struct | undefined;
}
type Callback<T> = (err: Error | null, resp?: T) => void;
export interface MockMonitorLike {
  registerResource(req: RegisterRequest, cb: Callback<RegisterResponse>): Promise<void>;
  registerResourceOutputs(req: OutputsRequest, cb: Callback<unknown>): void;
}

function sourceOf(req: RegisterRequest): SourcePosition | undefined {
  const position = req.getSourceposition?.();
  const uri = position?.getUri();
  if (!position || !uri) return undefined;
  return {
    file: uri.startsWith("file:") ? fileURLToPath(uri) : uri,
    line: position.getLine(),
    column: position.getColumn(),
  };
}

/** Wraps the monitor; the returned array fills up, in registration order, as the program runs. */
export function recordRegistrations(monitor: MockMonitorLike, tracker = new FlowTracker()): ResourceSnapshot[] {
  const resources: ResourceSnapshot[] = [];
  const byUrn = new Map<string, ResourceSnapshot>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, resp) => {
      if (err === null && resp !== undefined) {
        const inputs = toPlain(req.getObject()?.toJavaScript() ?? {});
        const urn = resp.getUrn();
        const followed = tracker.scan(urn, "inputs", inputs.value);
        const source = sourceOf(req);
        const record: ResourceSnapshot = {
          urn,
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() === "" ? undefined : req.getParent(),
          custom: req.getCustom(),
          inputs: inputs.value,
          outputs: toPlain(resp.getObject()?.toJavaScript() ?? {}).value,
          secretPaths: [...new Set([...inputs.secretPaths, ...followed])],
          provider: req.getProvider() === "" ? undefined : req.getProvider(),
          dependencies: req.getDependenciesList(),
          ...(source ? { source } : {}),
        };
        resources.push(record);
        byUrn.set(record.urn, record);
      }
      callback(err, resp);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    const record = byUrn.get(req.getUrn());
    if (record !== undefined) {
      record.outputs = toPlain(req.getOutputs()?.toJavaScript() ?? {}).value;
      // What the stack exports is printed by `pulumi stack output`: a credential there is a leak too.
      if (record.parent === undefined) tracker.scan(record.urn, "outputs", record.outputs);
    }
    registerOutputs(req, callback);
  };
  return resources;
}
