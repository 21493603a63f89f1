/**
 * In-process harness for component tests: Pulumi's mock runtime with the same mock providers and the same
 * registration recorder as `runStackUnderMocks`, plus one helper to unwrap outputs.
 *
 * Call `useMocks()` in a `before` hook, before any component is constructed (setMocks must come first). Transforms
 * do not run under mocks, so tests assert on what the components themselves pass to each resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../tools/mock-runtime";
import { environmentFromConfig, type MockEnvironment } from "../tools/mock-runtime/environment";
import { installMockRuntime, loadProgramSdk } from "../tools/mock-runtime/runtime";
import { packageResolver } from "../tools/mock-runtime/sdk-shapes";
import { REPO_ROOT } from "./repo-root";

/** The stack the components are built in: the dev stack's public IDs. */
export const MOCK_ENV: MockEnvironment = environmentFromConfig(
  {
    "aws:region": "ap-southeast-2",
    "aws:allowedAccountIds": JSON.stringify(["111122223333"]),
    "azure-native:subscriptionId": "6f1c9b7e-2d4a-4c8e-9b1f-3a5d7e9c0b21",
    "azure-native:tenantId": "72f988bf-0000-4d3c-a1b2-c3d4e5f60718",
  },
  { organization: "organization", project: "zerosecrets", stack: "test" },
);

let recorded: RecordedResource[] = [];

/** The same mocks and recorder as `runStackUnderMocks`, in this process (one stack per Mocha run). */
export async function useMocks(): Promise<void> {
  const { sdkDir } = loadProgramSdk(REPO_ROOT, REPO_ROOT);
  const runtime = await installMockRuntime(pulumi, sdkDir, {
    env: MOCK_ENV,
    dryRun: false,
    outputs: "mocked",
    resolve: packageResolver([REPO_ROOT]),
    projectDir: REPO_ROOT,
  });
  recorded = runtime.resources;
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
