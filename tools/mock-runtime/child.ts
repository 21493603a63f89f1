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
import type { RecordedResource, StackRun } from "./index";
import { mockCall, MockEnvironment, mockResourceState } from "./mocks";
import { toPlain } from "./serialized";
import { readProject, readStackConfig } from "./stack-file";

/** The parts of the SDK's MockMonitor and request objects this file touches. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface RegisterResponse {
    getUrn(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback<T> = (err: Error | null, resp?: T) => void;
interface MockMonitorLike {
    registerResource(req: RegisterRequest, cb: Callback<RegisterResponse>): Promise<void>;
    registerResourceOutputs(req: OutputsRequest, cb: Callback<unknown>): void;
}

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
    pulumi.runtime.setAllConfig(config, []);
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => mockResourceState(env, args),
            call: (args) => mockCall(env, args.token, args.inputs),
        },
        project.name,
        stack,
        flags.includes("--preview"),
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

/**
 * Wraps the mock monitor so every registration is recorded with what `newResource` alone does not see: the URN,
 * the parent URN, whether the resource is custom, and which inputs were secret. Component resources pass through
 * `registerResource` too (with `custom: false`), so the tree is complete.
 */
function recordRegistrations(monitor: MockMonitorLike): RecordedResource[] {
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
