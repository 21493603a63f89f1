/**
 * The one place the mock runtime is wired: the mocks (what each resource and provider function returns), the
 * runtime settings the Pulumi CLI would give (organisation, project, stack, preview flag, config with its secret
 * keys) and the recorder. Used by the child process of `runStackUnderMocks` and, in-process, by the component
 * harness.
 */
import { dirname, join, relative } from "node:path";
import type * as PulumiModule from "@pulumi/pulumi";
import type { ResourceSnapshot } from "../resource-snapshot";
import { captureCallSites, describeSite, type CallSite } from "./call-sites";
import type { MockEnvironment } from "./environment";
import { answerCall, type AnswerKind } from "./functions";
import { completeResourceState, placeholderId, type PlaceholderContext } from "./placeholders";
import { FlowTracker, recordRegistrations, type MockMonitorLike, type ValueFlow } from "./recorder";
import { knownResourceState } from "./resource-states";
import { resourceOutputShape, type PackageResolver } from "./sdk-shapes";

/** What computed outputs of resources still to be created look like to the program. */
export type OutputMode =
  /** Plausible values (ARNs, client IDs, names): the program and the gate see what an update would produce. */
  | "mocked"
  /** Unknown, as `pulumi preview` leaves them; inputs the program sets stay known. */
  | "unknown";

export interface MockRuntimeOptions {
  env: MockEnvironment;
  /** `pulumi.runtime.isDryRun()`: true for a preview. */
  dryRun: boolean;
  outputs: OutputMode;
  /** Finds SDK packages (the program's own first) for type information. */
  resolve: PackageResolver;
  /** The stack's config (`namespace:key` → string) and which keys are secret. */
  config?: Record<string, string>;
  secretKeys?: string[];
  /** Placeholders of secret config values, to follow wherever the program puts them. */
  secureConfigPlaceholders?: Record<string, string>;
  /** Directory paths are shown relative to in messages (the program's). */
  projectDir?: string;
}

export interface CallRecord {
  token: string;
  kind: AnswerKind;
  site?: CallSite;
}

export interface MockRuntime {
  /** Fills up as the program registers resources, in registration order. */
  resources: ResourceSnapshot[];
  calls: CallRecord[];
  flows: ValueFlow[];
}

/** An error the SDK forwards to the program with its message intact (it reads `details`, as from a gRPC status). */
function forwardable(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

/** The wire form of a secret, so the SDK marks an invoke result secret (the monitor would send the same). */
function asSecret(pulumi: typeof PulumiModule, value: unknown): Record<string, unknown> {
  const rpc = pulumi.runtime as unknown as { specialSigKey: string; specialSecretSig: string };
  return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/**
 * The Pulumi SDK the program itself loads: from the program's own node_modules when it has them, else this
 * checkout's. The mocks must configure that copy, because the runtime is a singleton per SDK copy.
 */
export function loadProgramSdk(
  projectDir: string,
  fallbackDir: string,
): { pulumi: typeof PulumiModule; sdkDir: string } {
  for (const from of [projectDir, fallbackDir]) {
    try {
      const entry = require.resolve("@pulumi/pulumi", { paths: [from] });
      return { pulumi: require(entry) as typeof PulumiModule, sdkDir: dirname(entry) };
    } catch {
      // not installed there
    }
  }
  throw new Error(
    `@pulumi/pulumi is installed neither in ${projectDir} nor in ${fallbackDir}: run \`npm ci\` in ${fallbackDir}`,
  );
}

/** The mocks: resource states and provider function answers. */
export function createMocks(
  pulumi: typeof PulumiModule,
  options: MockRuntimeOptions,
  hooks: { tracker: FlowTracker; calls: CallRecord[]; takeSite(token: string): CallSite | undefined },
): PulumiModule.runtime.Mocks {
  const { env, resolve } = options;
  const shown = (file: string) => (options.projectDir ? relative(options.projectDir, file) || file : file);
  return {
    newResource(args) {
      if (options.outputs === "unknown") return { id: undefined, state: args.inputs };
      const known = knownResourceState(env, args);
      const ctx: PlaceholderContext = { env, token: args.type, seed: args.name, inputs: args.inputs };
      let shape;
      try {
        shape = args.custom ? resourceOutputShape(args.type, resolve)?.shape : undefined;
      } catch {
        shape = undefined; // type information unreadable: the inputs (and the known outputs) still go through
      }
      const state = shape ? completeResourceState(shape, ctx, known?.state) : (known?.state ?? args.inputs);
      const id = known?.id ?? (args.custom ? placeholderId(ctx) : `${args.name}-id`);
      return { id, state };
    },
    call(args) {
      const site = hooks.takeSite(args.token);
      let answer;
      try {
        answer = answerCall(args.token, args.inputs, env, resolve);
      } catch (error) {
        const message = (error as Error).message;
        throw forwardable(`${message} (called at ${describeSite(site, shown)})`);
      }
      hooks.calls.push({ token: args.token, kind: answer.kind, ...(site ? { site } : {}) });
      if (answer.kind !== "credential") return answer.result;
      for (const credential of answer.credentials)
        hooks.tracker.follow(credential, { kind: "credential", token: args.token, site });
      return Object.fromEntries(Object.entries(answer.result).map(([key, value]) => [key, asSecret(pulumi, value)]));
    },
  };
}

/**
 * Configures the SDK copy the program uses: config, mocks and recorder. Call before the program is loaded
 * (`setMocks` must come before any resource is constructed).
 */
export async function installMockRuntime(
  pulumi: typeof PulumiModule,
  sdkDir: string,
  options: MockRuntimeOptions,
): Promise<MockRuntime> {
  const tracker = new FlowTracker();
  for (const [key, placeholder] of Object.entries(options.secureConfigPlaceholders ?? {}))
    tracker.follow(placeholder, { kind: "secure-config", key });
  const calls: CallRecord[] = [];
  const sites = captureCallSites(require(join(sdkDir, "runtime", "index.js")) as Record<string, unknown>);
  if (options.config) pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
  const { env } = options;
  await pulumi.runtime.setMocks(
    createMocks(pulumi, options, { tracker, calls, takeSite: (token) => sites.take(token) }),
    env.project,
    env.stack,
    options.dryRun,
    env.organization,
  );
  const resources = recordRegistrations(pulumi.runtime.getMonitor() as unknown as MockMonitorLike, tracker);
  return { resources, calls, flows: tracker.flows };
}
