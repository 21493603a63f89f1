// Contract between the worker and the credential chain (owned by the credential-chain work).
// The worker calls createGraphCredential once per process; it returns undefined only for
// --graph-auth none, which config validation allows for loopback Graph endpoints alone.
//
// How the credential is chosen (docs/credential-chain.md):
//   in AWS (container credentials or a web identity token file present): Entra client credentials
//     whose client assertion is the task role's sts:GetWebIdentityToken JWT;
//   anywhere else: DefaultAzureCredential (`az login`).
import type { TokenCredential } from "@azure/identity";
import { DeveloperGraphCredential } from "./developer-credential";
import { GraphCredentialError } from "./errors";
import { FederatedGraphCredential } from "./federated-credential";
import { detectRuntime, refuseStaticCredentials, resolveAuthority } from "./runtime";
import { WebIdentityAssertion } from "./web-identity-assertion";

export { GraphCredentialError, type GraphCredentialFailure } from "./errors";
export { explainGraphRefusal } from "./graph-permission";
export { detectRuntime, type Runtime } from "./runtime";
export { FederatedGraphCredential } from "./federated-credential";
export { DeveloperGraphCredential } from "./developer-credential";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

export type GraphAuthMode = "auto" | "none";

export interface GraphCredentialSettings {
  readonly mode: GraphAuthMode;
  readonly tenantId: string;
  readonly clientId: string;
  /** AWS region for the regional STS endpoint that mints the web identity token. */
  readonly awsRegion: string;
  /** Entra authority host; defaults to https://login.microsoftonline.com. */
  readonly authorityHost?: string;
}

let processCredential: { key: string; credential: TokenCredential } | undefined;

/** One credential per process (its token and assertion caches are per instance): a second call with
 *  the same settings returns the same instance; with other settings it is a programming error. */
export function createGraphCredential(
  settings: GraphCredentialSettings,
  env: NodeJS.ProcessEnv = process.env,
): TokenCredential | undefined {
  if (settings.mode === "none") return undefined;
  const key = JSON.stringify(settings);
  if (processCredential) {
    if (processCredential.key === key) return processCredential.credential;
    throw new GraphCredentialError(
      "configuration",
      "createGraphCredential was called twice with different settings; the worker holds one Graph credential per process",
    );
  }
  const runtime = detectRuntime(env);
  refuseStaticCredentials(env, runtime);
  const authority = resolveAuthority(settings.authorityHost, env);
  const credential =
    runtime === "aws"
      ? new FederatedGraphCredential(
          settings.tenantId,
          settings.clientId,
          new WebIdentityAssertion(settings.awsRegion, env),
          authority,
        )
      : new DeveloperGraphCredential(settings.tenantId, authority);
  processCredential = { key, credential };
  return credential;
}

/** For tests that build several credentials in one process. */
export function forgetProcessCredential(): void {
  processCredential = undefined;
}
