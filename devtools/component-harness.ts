/**
 * In-process harness for component tests: Pulumi's mock runtime with the same mock providers and the same
 * registration recorder as `runStackUnderMocks`, plus one helper to unwrap outputs.
 *
 * Call `useMocks()` in a `before` hook, before any component is constructed (setMocks must come first). Transforms
 * do not run under mocks, so tests assert on what the components themselves pass to each resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../tools/mock-runtime";
import { mockCall, MockEnvironment, mockResourceState } from "../tools/mock-runtime/mocks";
import { MockMonitorLike, recordRegistrations } from "../tools/mock-runtime/recorder";

export const MOCK_ENV: MockEnvironment = {
  accountId: "111122223333",
  region: "ap-southeast-2",
  subscriptionId: "6f1c9b7e-2d4a-4c8e-9b1f-3a5d7e9c0b21",
  tenantId: "72f988bf-0000-4d3c-a1b2-c3d4e5f60718",
};

let recorded: RecordedResource[] = [];

export async function useMocks(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => mockResourceState(MOCK_ENV, args),
      call: (args) => mockCall(MOCK_ENV, args.token, args.inputs),
    },
    "zerosecrets",
    "test",
    false,
  );
  recorded = recordRegistrations(pulumi.runtime.getMonitor() as unknown as MockMonitorLike);
}

/** Resolves an output to its plain value. */
export function unwrap<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/**
 * Waits until every registration the SDK has queued has reached the monitor, then returns the resources created
 * under the component `name` (its own registration included).
 */
export async function settle(name: string): Promise<RecordedResource[]> {
  // The SDK's own drain of its RPC queue (what `pulumi.runtime.disconnect` waits on).
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  return recorded.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

/** Constructs a component named `name` and returns it with everything registered under it. */
export async function build<T extends pulumi.ComponentResource>(
  name: string,
  create: (name: string) => T,
): Promise<{ component: T; resources: RecordedResource[] }> {
  const component = create(name);
  return { component, resources: await settle(name) };
}

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

export function named(resources: readonly RecordedResource[], name: string): RecordedResource {
  const found = resources.find((r) => r.name === name);
  if (found === undefined)
    throw new Error(`no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** Parses a JSON-string input (policy documents, container definitions). */
export function jsonInput<T = any>(resource: RecordedResource, key: string): T {
  const value = resource.inputs[key];
  if (typeof value !== "string")
    throw new Error(`${resource.name}.${key} is not a JSON string: ${JSON.stringify(value)}`);
  return JSON.parse(value) as T;
}

/** Runs a constructor expected to throw and returns its message. */
export function refusal(build: () => unknown): string {
  try {
    build();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the component to refuse its arguments, but it was built");
}
