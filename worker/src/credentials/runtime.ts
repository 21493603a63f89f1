// Where the worker runs decides how it reaches Graph. The signal is the one the AWS SDK itself uses
// to find a role without keys: the container-credentials endpoint (ECS/Fargate task role, EKS Pod
// Identity) or a web identity token file (EKS IRSA). Anything else is a developer machine.
import { STATIC_CREDENTIAL_VARIABLES } from "../config/static-credentials";
import { GraphCredentialError } from "./errors";

export type Runtime = "aws" | "developer";

type Env = Readonly<Record<string, string | undefined>>;

export function detectRuntime(env: Env): Runtime {
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return "aws";
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return "aws";
  return "developer";
}

/** Secrets @azure/identity's EnvironmentCredential would pick up: the Graph credential never uses one,
 *  not even against emulators (the worker's config check alone would allow them on loopback). */
const AZURE_SECRETS = STATIC_CREDENTIAL_VARIABLES.filter((name) => name.startsWith("AZURE_"));
/** Static AWS keys come first in the SDK's chain and would replace the task role's identity. */
const AWS_STATIC_KEYS = STATIC_CREDENTIAL_VARIABLES.filter((name) => name.startsWith("AWS_"));

export function refuseStaticCredentials(env: Env, runtime: Runtime): void {
  const azure = AZURE_SECRETS.filter((name) => env[name]);
  if (azure.length) {
    throw new GraphCredentialError(
      "static-credential",
      `${azure.join(", ")} ${azure.length === 1 ? "is" : "are"} set, but this worker reaches Microsoft Graph through federation only and refuses stored secrets. ` +
        "Remove the variable from the task definition, .env file or shell; in AWS the task role's web identity token signs in, on a laptop `az login` does.",
    );
  }
  const aws = AWS_STATIC_KEYS.filter((name) => env[name]);
  if (runtime === "aws" && aws.length) {
    throw new GraphCredentialError(
      "static-credential",
      `${aws.join(", ")} ${aws.length === 1 ? "is" : "are"} set in a task that has a task role. Static keys would replace the task role's identity ` +
        "in the web identity token Entra trusts; remove them and let the SDK use the task role.",
    );
  }
}

export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

/** The Entra authority, and whether MSAL's instance discovery must be skipped (only for a local emulator). */
export function resolveAuthority(
  configured: string | undefined,
  env: Env,
): { authorityHost: string; disableInstanceDiscovery: boolean } {
  const raw = configured ?? env.AZURE_AUTHORITY_HOST ?? DEFAULT_AUTHORITY_HOST;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GraphCredentialError(
      "configuration",
      `AZURE_AUTHORITY_HOST "${raw}" is not a URL; use e.g. ${DEFAULT_AUTHORITY_HOST}`,
    );
  }
  if (url.protocol !== "https:") {
    throw new GraphCredentialError(
      "configuration",
      `AZURE_AUTHORITY_HOST "${raw}" must use https (Entra and MSAL accept nothing else)`,
    );
  }
  return { authorityHost: url.origin, disableInstanceDiscovery: isLoopback(url.hostname) };
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
