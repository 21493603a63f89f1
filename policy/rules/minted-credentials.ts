/**
 * Rule family 1: resources whose purpose is to mint a long-lived credential. The zero-secrets
 * alternative exists for each of them (OIDC roles, federated credentials, managed identities),
 * so creating one is a violation whatever happens to the value afterwards.
 */
import { schemaWith } from "../lib/config";
import { Rule, RuleConfig } from "../lib/rule";
import { isUnknown } from "../lib/values";
import { violationMessage } from "../lib/violation";

const useOidcRole = "use an IAM role assumed through OIDC (GitHub Actions) or a task role (ECS)";
const useFederation = "use a federated identity credential or a user-assigned managed identity";

interface Minting {
  what: string;
  fix: string;
  /** Mints only when this property asks for it. */ when?: string;
}

/** Type token -> why it is a long-lived credential and what to use instead. */
export const MINTING_TYPES: Record<string, Minting> = {
  "aws:iam/accessKey:AccessKey": { what: "creates an IAM user access key", fix: useOidcRole },
  "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": {
    what: "creates an IAM service-specific credential (a static password)",
    fix: useOidcRole,
  },
  "aws:iam/userLoginProfile:UserLoginProfile": {
    what: "creates an IAM user console password",
    fix: "use IAM Identity Center (SSO) for people",
  },
  "aws:iam/signingCertificate:SigningCertificate": {
    what: "uploads an IAM user signing certificate",
    fix: useOidcRole,
  },
  "aws:iam/sshKey:SshKey": { what: "uploads an IAM user SSH key (CodeCommit)", fix: useOidcRole },
  "aws:cognito/userPoolClient:UserPoolClient": {
    what: "generates a Cognito app client secret",
    fix: "use a public client with PKCE or a federated identity",
    when: "generateSecret",
  },
  "azuread:index/applicationPassword:ApplicationPassword": {
    what: "creates an Entra application client secret",
    fix: useFederation,
  },
  "azuread:index/servicePrincipalPassword:ServicePrincipalPassword": {
    what: "creates an Entra service principal client secret",
    fix: useFederation,
  },
  "azuread:index/application:Application": {
    what: "creates an Entra client secret through the inline password block",
    fix: useFederation,
    when: "password",
  },
  "tls:index/privateKey:PrivateKey": {
    what: "generates a private key and keeps it in the stack state",
    fix: "use a managed key (KMS, Key Vault) or a federated identity",
  },
};

export const CERTIFICATE_TYPES = [
  "azuread:index/applicationCertificate:ApplicationCertificate",
  "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
];

/** True when a property asks for a secret, or might once a value unknown during preview resolves. */
function requestsSecret(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === "object" && !Array.isArray(value)) return Object.keys(value).length > 0;
  return true;
}

interface MintedConfig extends RuleConfig {
  additionalTypes?: string[];
}

export const mintedCredentials: Rule<MintedConfig> = {
  name: "no-minted-credentials",
  description:
    "No resource may mint a long-lived credential (IAM user keys and passwords, Entra client secrets, private keys in state).",
  enforcementLevel: "mandatory",
  configSchema: schemaWith({
    additionalTypes: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "More resource type tokens to treat as credential-minting (for providers this pack does not know).",
    },
  }),
  check({ type, name, props }, config) {
    const minting = MINTING_TYPES[type];
    if (minting?.when) {
      const value = props[minting.when];
      if (!requestsSecret(value)) return [];
      const what = isUnknown(value)
        ? `${minting.what} (${minting.when} is unknown during preview, so it is assumed set)`
        : minting.what;
      return [violationMessage(name, type, what, minting.fix, minting.when)];
    }
    if (minting) return [violationMessage(name, type, minting.what, minting.fix)];
    if ((config.additionalTypes ?? []).includes(type)) {
      return [
        violationMessage(
          name,
          type,
          "is listed in additionalTypes as a credential-minting resource",
          "use federation instead",
        ),
      ];
    }
    return [];
  },
};

export const appRegistrationCertificates: Rule = {
  name: "app-registration-certificates",
  description: "Certificates on Entra app registrations are long-lived credentials too; prefer federation.",
  enforcementLevel: "advisory",
  configSchema: schemaWith(),
  check: ({ type, name }) =>
    CERTIFICATE_TYPES.includes(type)
      ? [violationMessage(name, type, "adds a certificate credential to an app registration", useFederation)]
      : [],
};
