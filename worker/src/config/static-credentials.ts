// Environment variables that carry a long-lived secret. The worker authenticates with federation
// only (ECS task role -> STS web identity token -> Entra; or the developer's own az/aws login), so
// these may appear only when every endpoint is on loopback, i.e. against local emulators whose
// "secrets" protect nothing.
export const STATIC_CREDENTIAL_VARIABLES = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "AZURE_PASSWORD",
] as const;

export function presentStaticCredentials(env: NodeJS.ProcessEnv): string[] {
  return STATIC_CREDENTIAL_VARIABLES.filter((name) => (env[name] ?? "").length > 0);
}
