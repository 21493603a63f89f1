/**
 * Child process of `runStackUnderMocks`: runs one Pulumi program under the SDK's mock runtime and writes the
 * recorded StackRun (or the program's error, explained) as JSON to a file.
 *
 *   node --require tsx/cjs tools/mock-runtime/child.ts '<ChildRequest as JSON>'
 *
 * The Pulumi runtime is a per-process singleton, so every run gets a fresh process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { environmentFromConfig } from "./environment";
import type { ChildRequest, StackRun } from "./index";
import { explainProgramError } from "./program-errors";
import { installMockRuntime, loadProgramSdk } from "./runtime";
import { packageResolver } from "./sdk-shapes";
import { readProject, readStackFile } from "./stack-file";

async function main(request: ChildRequest): Promise<void> {
  const write = (body: unknown) => fs.writeFileSync(request.outFile, JSON.stringify(body));
  const context = { projectDir: request.projectDir, repoRoot: request.repoRoot };
  // Whatever goes wrong, and however it surfaces (a throw while the program loads, a rejected Output), the parent
  // gets the program's own message, explained, rather than a stack trace.
  const fail = (err: unknown) => {
    write({ error: explainProgramError(err, context) });
    process.exit(1);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  const project = readProject(request.projectDir);
  const stackFile = readStackFile(request.projectDir, project, request.stack);
  const { pulumi, sdkDir } = loadProgramSdk(request.projectDir, request.repoRoot);
  const env = environmentFromConfig(stackFile.config, {
    organization: request.organization,
    project: project.name,
    stack: request.stack,
  });
  const runtime = await installMockRuntime(pulumi, sdkDir, {
    env,
    dryRun: request.dryRun,
    outputs: request.outputs,
    resolve: packageResolver([request.projectDir, request.repoRoot]),
    config: stackFile.config,
    secretKeys: stackFile.secretKeys,
    secureConfigPlaceholders: stackFile.securePlaceholders,
    projectDir: request.projectDir,
  });

  const programPath = path.resolve(request.projectDir, project.main);
  // As the Node.js language host runs a program: its exports become the stack's outputs, and an exported function
  // (an async main) is called and awaited.
  await pulumi.runtime.runInPulumiStack(async () => {
    const exported = require(programPath) as unknown;
    return typeof exported === "function" ? await (exported as () => unknown)() : exported;
  });
  await pulumi.runtime.disconnect();

  const stackResource = runtime.resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const run: StackRun = {
    organization: env.organization,
    project: project.name,
    stack: request.stack,
    dryRun: request.dryRun,
    resources: runtime.resources,
    outputs: stackResource?.outputs ?? {},
    calls: runtime.calls,
    flows: runtime.flows,
    secureConfigKeys: Object.keys(stackFile.securePlaceholders),
  };
  write(run);
}

const request = JSON.parse(process.argv[2] ?? "{}") as ChildRequest;
main(request).catch((err: unknown) => {
  fs.writeFileSync(
    request.outFile,
    JSON.stringify({ error: explainProgramError(err, { projectDir: request.projectDir, repoRoot: request.repoRoot }) }),
  );
  process.exit(1);
});
