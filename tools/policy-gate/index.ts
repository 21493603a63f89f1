/**
 * The policy gate: runs a CrossGuard pack exactly as the Pulumi engine does and talks to it over
 * the Analyzer gRPC protocol. Used by the tests, the bench and other tools (plan, audit) that must
 * judge resources without a Pulumi CLI.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import pLimit from "p-limit";
import { enforcementLevelName, EnforcementLevel, PolicySummary, toConfigureRequest } from "./config";
import { GateResource, toAnalyzeRequest, toAnalyzerResource } from "./encode";
import { EngineLogEntry, startEngineServer } from "./engine-server";
import { analyzerProto, analyzerRpc, emptyProto, grpc, runPolicyPackScript, ServiceError } from "./protocol";
import { ensurePackBuilt } from "../../policy/build";
import { withCompileCache } from "../compile-cache";

export { GateResource, secretValue, UNKNOWN_STRING } from "./encode";
export { EnforcementLevel } from "./config";

export interface GateDiagnostic {
  policyPackName: string;
  policyName: string;
  description: string;
  message: string;
  urn: string;
  enforcementLevel: EnforcementLevel;
}

export interface PolicyPackInfo {
  name: string;
  version: string;
  policies: PolicySummary[];
}

export interface PolicyPackSession {
  info(): Promise<PolicyPackInfo>;
  /** Analyze for each resource (in parallel); `onProgress` hears how many are done. */
  analyze(resources: GateResource[], onProgress?: (done: number) => void): Promise<GateDiagnostic[]>;
  analyzeStack(resources: GateResource[]): Promise<GateDiagnostic[]>;
  /** What the pack sent to the engine's Log service (its warnings and errors). */
  logs(): EngineLogEntry[];
  /** The pack process (for profiling and CPU accounting). */
  pid: number | undefined;
  close(): Promise<void>;
}

export interface StartPolicyPackOptions {
  /** Directory holding PulumiPolicy.yaml. Default: this repository's `policy/`. */
  packDir?: string;
  /** Policy configuration, as in a `--policy-pack-config` file. */
  config?: Record<string, unknown>;
  /** How long start-up may take. Default 120 s. */
  startTimeoutMs?: number;
  /** Extra node flags for the pack process, e.g. ["--cpu-prof"] to profile it. */
  nodeArgs?: string[];
}

const defaultPackDir = path.resolve(__dirname, "..", "..", "policy");
/** Analyze calls in flight at once: enough to keep the pack busy without queueing 2,000 calls. */
const ANALYZE_CONCURRENCY = 32;

type Client = InstanceType<typeof analyzerRpc.AnalyzerClient>;

function call<Req, Res>(
  fn: (req: Req, cb: (err: ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Resource policies report without a URN (the engine knows which resource it asked about); fill it in the same way. */
function toDiagnostics(res: InstanceType<typeof analyzerProto.AnalyzeResponse>, resourceUrn = ""): GateDiagnostic[] {
  return res.getDiagnosticsList().map((d) => ({
    policyPackName: d.getPolicypackname(),
    policyName: d.getPolicyname(),
    description: d.getDescription(),
    message: d.getMessage(),
    urn: d.getUrn() || resourceUrn,
    enforcementLevel: enforcementLevelName(d.getEnforcementlevel()),
  }));
}

function toInfo(res: InstanceType<typeof analyzerProto.AnalyzerInfo>): PolicyPackInfo {
  return {
    name: res.getName(),
    version: res.getVersion(),
    policies: res.getPoliciesList().map((p) => {
      const schema = p.getConfigschema();
      return {
        name: p.getName(),
        description: p.getDescription(),
        enforcementLevel: enforcementLevelName(p.getEnforcementlevel()),
        configSchema: schema && {
          properties: (schema.getProperties()?.toJavaScript() ?? {}) as NonNullable<
            PolicySummary["configSchema"]
          >["properties"],
          required: schema.getRequiredList(),
        },
      };
    }),
  };
}

/**
 * Spawns run-policy-pack and resolves with the port it prints, or rejects with what went wrong:
 * its stderr, and the errors it logged to the engine (run-policy-pack reports a failing pack there
 * and exits with 32, leaving stderr empty).
 */
function spawnPack(
  packDir: string,
  engine: { address: string; logs: EngineLogEntry[] },
  timeoutMs: number,
  nodeArgs: string[],
) {
  const engineAddress = engine.address;
  const output = () =>
    [stderr.trim(), ...engine.logs.filter((l) => l.severity === "error").map((l) => l.message)]
      .filter(Boolean)
      .join("\n");
  const child = spawn(process.execPath, [...nodeArgs, runPolicyPackScript, engineAddress, packDir], {
    cwd: packDir,
    env: withCompileCache({ ...process.env, PULUMI_NODEJS_ENGINE: engineAddress }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  // A pack must not outlive the process that started it (a test run that exits mid-way, a CLI stopped early).
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`policy pack in ${packDir} printed no port within ${timeoutMs} ms\n${output()}`));
    }, timeoutMs);
    const lines = readline.createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const n = Number(line.trim());
      if (Number.isInteger(n) && n > 0) resolve(n);
      else reject(new Error(`policy pack printed "${line}" where the engine expects only its port\n${output()}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`policy pack in ${packDir} exited (${signal ?? code}) before serving:\n${output()}`));
    });
  });
  return { child, port };
}

export async function startPolicyPack(opts: StartPolicyPackOptions = {}): Promise<PolicyPackSession> {
  const packDir = path.resolve(opts.packDir ?? defaultPackDir);
  // This project's pack is served as JavaScript (policy/build.ts); rebuild it first if a rule changed since.
  await ensurePackBuilt(packDir);
  const engine = await startEngineServer();
  const { child, port } = spawnPack(packDir, engine, opts.startTimeoutMs ?? 120_000, opts.nodeArgs ?? []);
  let client: Client | undefined;
  const close = async () => {
    client?.close();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await engine.close();
  };
  try {
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${await port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 1024 * 1024 * 400,
    });
    const info = toInfo(await call(client.getAnalyzerInfo.bind(client), new emptyProto.Empty()));
    if (opts.config) await call(client.configure.bind(client), toConfigureRequest(opts.config, info.policies));
    const c = client;
    return {
      info: async () => info,
      async analyze(resources, onProgress) {
        const limit = pLimit(ANALYZE_CONCURRENCY);
        let done = 0;
        const results = await Promise.all(
          resources.map((resource) =>
            limit(async () => {
              const diagnostics = toDiagnostics(
                await call(c.analyze.bind(c), toAnalyzeRequest(resource)),
                resource.urn,
              );
              onProgress?.(++done);
              return diagnostics;
            }),
          ),
        );
        return results.flat();
      },
      async analyzeStack(resources) {
        const req = new analyzerProto.AnalyzeStackRequest();
        req.setResourcesList(resources.map(toAnalyzerResource));
        return toDiagnostics(await call(c.analyzeStack.bind(c), req));
      },
      logs: () => [...engine.logs],
      pid: child.pid,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
