/**
 * Child process of `runStackUnderMocks`: runs one Pulumi program under the SDK's mock runtime and writes the
 * recorded StackRun (or the program's error) as JSON to a file.
 *
 *   node --require tsx/cjs tools/mock-runtime/child.ts <projectDir> <stack> <outFile> [--preview]
 *
 * The Pulumi runtime is a per-process singleton, so every run gets a fresh process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as PulumiModule from "@pulumi/pulumi";
import type { StackRun } from "./index";
import { mockCall, MockEnvironment, mockResourceState } from "./mocks";
import { MockMonitorLike, recordRegistrations } from "./recorder";
import { readProject, readStackConfig } from "./stack-file";

async function main(): Promise<void> {
  const [projectDirArg, stack, outFile, ...flags] = process.argv.slice(2);
  if (projectDirArg === undefined || stack === undefined || outFile === undefined) {
    throw new Error("usage: child.ts <projectDir> <stack> <outFile> [--preview]");
  }
  const write = (body: unknown) => fs.writeFileSync(outFile, JSON.stringify(body));
  // Whatever goes wrong, and however it surfaces (a throw while the program loads, a rejected Output), the parent
  // gets the program's own message rather than a stack trace.
  const fail = (err: unknown) => {
    write({ error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  const projectDir = path.resolve(projectDirArg);
  const project = readProject(projectDir);
  const config = readStackConfig(projectDir, project, stack);
  // Use the SDK copy the program itself resolves, so the mocks and the program share one runtime singleton.
  const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [projectDir] })) as typeof PulumiModule;

  const env = mockEnvironment(config);
  const preview = flags.includes("--preview");
  pulumi.runtime.setAllConfig(config, []);
  await pulumi.runtime.setMocks(
    {
      // In a preview the engine knows only the inputs of a resource still to be created; leaving the computed
      // outputs out makes them unknown to the program, as in a real `pulumi preview`.
      newResource: (args) => {
        const result = mockResourceState(env, args);
        return preview ? { id: undefined, state: args.inputs } : result;
      },
      call: (args) => mockCall(env, args.token, args.inputs),
    },
    project.name,
    stack,
    preview,
  );
  const resources = recordRegistrations(pulumi.runtime.getMonitor() as unknown as MockMonitorLike);

  const programPath = path.resolve(projectDir, project.main);
  await pulumi.runtime.runInPulumiStack(async () => require(programPath));
  await pulumi.runtime.disconnect();

  const stackResource = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const run: StackRun = {
    project: project.name,
    stack,
    resources,
    outputs: stackResource?.outputs ?? {},
  };
  write(run);
}

/** Account, region, subscription and tenant the mocked resources live in, taken from the stack's provider config. */
function mockEnvironment(config: Record<string, string>): MockEnvironment {
  const project = Object.entries(config).find(([key, value]) => key.endsWith(":aws") && value.includes("accountId"));
  const accountId = project === undefined ? undefined : (JSON.parse(project[1]) as { accountId?: string }).accountId;
  return {
    accountId: accountId ?? "123456789012",
    region: config["aws:region"] ?? "us-east-1",
    subscriptionId: config["azure-native:subscriptionId"] ?? "00000000-0000-4000-8000-000000000000",
    tenantId: config["azure-native:tenantId"] ?? "00000000-0000-4000-8000-000000000001",
  };
}

main().catch((err: unknown) => {
  fs.writeFileSync(process.argv[4]!, JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
  process.exit(1);
});
