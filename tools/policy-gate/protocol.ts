/**
 * The gRPC and protobuf modules the gate speaks with. They MUST be the copies that @pulumi/pulumi
 * itself loads: the generated stubs check messages with `instanceof`, so a second copy of
 * google-protobuf (or a second grpc-js) makes every call fail with "Request message serialization failure".
 */
import { createRequire } from "node:module";
import * as path from "node:path";

const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));

export const grpc: typeof import("@grpc/grpc-js") = pulumiRequire("@grpc/grpc-js");
export const analyzerProto: typeof import("@pulumi/pulumi/proto/analyzer_pb") = pulumiRequire("./proto/analyzer_pb");
export const analyzerRpc: typeof import("@pulumi/pulumi/proto/analyzer_grpc_pb") =
  pulumiRequire("./proto/analyzer_grpc_pb");
export const engineRpc: typeof import("@pulumi/pulumi/proto/engine_grpc_pb") = pulumiRequire("./proto/engine_grpc_pb");
export const engineProto: typeof import("@pulumi/pulumi/proto/engine_pb") = pulumiRequire("./proto/engine_pb");
export const structProto: typeof import("google-protobuf/google/protobuf/struct_pb") = pulumiRequire(
  "google-protobuf/google/protobuf/struct_pb",
);
export const emptyProto: typeof import("google-protobuf/google/protobuf/empty_pb") = pulumiRequire(
  "google-protobuf/google/protobuf/empty_pb",
);

/** `node <this> <engine-address> <packDir>` is how the engine's Node.js policy host starts a pack. */
export const runPolicyPackScript = path.join(
  path.dirname(require.resolve("@pulumi/pulumi/package.json")),
  "cmd",
  "run-policy-pack",
);

export type { sendUnaryData, ServerUnaryCall, ServiceError } from "@grpc/grpc-js";
