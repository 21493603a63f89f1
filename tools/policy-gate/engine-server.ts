/**
 * The smallest Engine gRPC service a policy pack needs. run-policy-pack drops its <engine-address>
 * argument; the SDK's logger reads PULUMI_NODEJS_ENGINE instead and, WITHOUT an engine, prints
 * `log.info` to stdout, where the engine expects nothing but the port. So the gate serves `Log`
 * itself and keeps what the pack logged for error messages and tests.
 */
import { emptyProto, engineProto, engineRpc, grpc, sendUnaryData, ServerUnaryCall, ServiceError } from "./protocol";

export interface EngineLogEntry {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn: string;
}

export interface EngineServer {
  address: string;
  logs: EngineLogEntry[];
  close(): Promise<void>;
}

const severityNames: Record<number, EngineLogEntry["severity"]> = {
  [engineProto.LogSeverity.DEBUG]: "debug",
  [engineProto.LogSeverity.INFO]: "info",
  [engineProto.LogSeverity.WARNING]: "warning",
  [engineProto.LogSeverity.ERROR]: "error",
};

export async function startEngineServer(): Promise<EngineServer> {
  const logs: EngineLogEntry[] = [];
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, callback: sendUnaryData<unknown>) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: "not served by the policy gate" } as ServiceError, null);
  server.addService(engineRpc.EngineService, {
    log: (
      call: ServerUnaryCall<InstanceType<typeof engineProto.LogRequest>, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      const req = call.request;
      logs.push({ severity: severityNames[req.getSeverity()] ?? "info", message: req.getMessage(), urn: req.getUrn() });
      callback(null, new emptyProto.Empty());
    },
    getRootResource: (_call: unknown, callback: sendUnaryData<unknown>) =>
      callback(null, new engineProto.GetRootResourceResponse()),
    setRootResource: (_call: unknown, callback: sendUnaryData<unknown>) =>
      callback(null, new engineProto.SetRootResourceResponse()),
    startDebugging: unimplemented,
    requirePulumiVersion: (_call: unknown, callback: sendUnaryData<unknown>) =>
      callback(null, new engineProto.RequirePulumiVersionResponse()),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    logs,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
