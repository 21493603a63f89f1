/**
 * Names that say "this holds a cloud credential", whatever the value looks like. A value under
 * such a name is a long-lived secret even when no content pattern recognises it (an Entra secret
 * in an older format, a key someone base64-encoded, a value only known after deployment).
 */

/** Exact names the AWS, Azure, Terraform and Pulumi tooling read credentials from. */
const exactNames = new Set([
  "AWS_SECRET_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SESSION_TOKEN",
  "AWS_SECRET_KEY",
  "AWS_ACCESS_KEY",
  "AMAZON_AWS_SECRET_ACCESS_KEY",
  "AMAZON_AWS_ACCESS_KEY_ID",
  "AZURE_CLIENT_SECRET",
  "ARM_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "ARM_CLIENT_CERTIFICATE_PASSWORD",
  "AZURE_PASSWORD",
  "AZURE_CREDENTIALS",
  "AZURE_STORAGE_KEY",
  "AZURE_STORAGE_ACCESS_KEY",
  "ARM_ACCESS_KEY",
  "AZURE_STORAGE_CONNECTION_STRING",
  "AZURE_CLIENT_CERTIFICATE",
  "ARM_CLIENT_CERTIFICATE",
  "GOOGLE_CREDENTIALS",
  "GOOGLE_APPLICATION_CREDENTIALS_JSON",
  "GCP_SERVICE_ACCOUNT_KEY",
  "PULUMI_ACCESS_TOKEN",
]);

/**
 * Shapes of names for the same things under other spellings: `awsSecretAccessKey`,
 * `AZURE_AD_CLIENT_SECRET`, `prod-client-secret`. Compared after removing separators and case.
 */
const namePatterns = [
  /secretaccesskey$/,
  /awsaccesskey$/,
  /accesskeyid$/,
  /sessiontoken$/,
  /clientsecret$/,
  /clientcertificatepassword$/,
  /storage(account)?(access)?key$/,
  /storageconnectionstring$/,
  /^(aws)?secretkey$/,
  /serviceaccountkey$/,
  /pulumiaccesstoken$/,
];

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The name a path ends in: "env.AWS_SECRET_ACCESS_KEY" -> "AWS_SECRET_ACCESS_KEY", "/prod/client-secret" -> "client-secret". */
export function lastPathSegment(path: string): string {
  return (
    path
      .split(/[.[\]/]/)
      .filter(Boolean)
      .pop() ?? path
  );
}

export function isCloudCredentialName(name: string): boolean {
  // Only the last segment of a path counts: "env.AWS_SECRET_ACCESS_KEY" is about the variable.
  const last = lastPathSegment(name);
  if (exactNames.has(last.toUpperCase())) return true;
  const flat = normalise(last);
  return namePatterns.some((p) => p.test(flat));
}
