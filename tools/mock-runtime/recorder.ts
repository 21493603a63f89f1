/**
 * Records every registration the program makes with the SDK's mock monitor, with what `Mocks.newResource` alone
 * does not see: the URN, the parent URN, whether the resource is custom, its dependencies, and which inputs were
 * secret. Component resources pass through `registerResource` too (with `custom: false`), so the tree is complete.
 *
 * Used by the child process of `runStackUnderMocks` and by in-process component tests.
 */
import type { RecordedResource } from "./index";
import { toPlain } from "./serialized";

/** The parts of the SDK's MockMonitor and its request objects that are touched here. */
interface Struct {
  toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): Struct | undefined;
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

/** Wraps the monitor; the returned array fills up, in registration order, as the program runs. */
export function recordRegistrations(monitor: MockMonitorLike): RecordedResource[] {
  const resources: RecordedResource[] = [];
  const byUrn = new Map<string, RecordedResource>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, resp) => {
      if (err === null && resp !== undefined) {
        const inputs = toPlain(req.getObject()?.toJavaScript() ?? {});
        const record: RecordedResource = {
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() === "" ? undefined : req.getParent(),
          custom: req.getCustom(),
          inputs: inputs.value,
          outputs: toPlain(resp.getObject()?.toJavaScript() ?? {}).value,
          secretPaths: inputs.secretPaths,
          provider: req.getProvider() === "" ? undefined : req.getProvider(),
          dependencies: req.getDependenciesList(),
        };
        resources.push(record);
        byUrn.set(record.urn, record);
      }
      callback(err, resp);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    const record = byUrn.get(req.getUrn());
    if (record !== undefined) record.outputs = toPlain(req.getOutputs()?.toJavaScript() ?? {}).value;
    registerOutputs(req, callback);
  };
  return resources;
}
