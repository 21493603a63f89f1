// Contract between the worker and the credential chain (owned by the credential-chain work).
// The worker calls createGraphCredential once per process; it returns undefined only for
// --graph-auth none, which config validation allows for loopback Graph endpoints alone.
import type { TokenCredential } from "@azure/identity";

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

export function createGraphCredential(settings: GraphCredentialSettings): TokenCredential | undefined {
  if (settings.mode === "none") return undefined;
  throw new Error("The Graph credential chain is not wired yet (worker/src/credentials)");
}
