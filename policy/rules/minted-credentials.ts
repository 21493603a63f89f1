/**
 * Rule family 1: resources whose purpose is to mint a long-lived credential. The zero-secrets
 * alternative exists for each of them (OIDC roles, federated credentials, managed identities),
 * so creating one is a violation whatever happens to the value afterwards.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { isAllowedResource, schemaWith } from "../lib/config";
import { isUnknown, plain } from "../lib/values";
import { violationMessage } from "../lib/violation";

const useOidcRole = "use an IAM role assumed through OIDC (GitHub Actions) or a task role (ECS)";
const useFederation = "use a federated identity credential or a user-assigned managed identity";

/** Type token -> why it is a long-lived credential and what to use instead. */
export const MINTING_TYPES: Record<string, { what: string; fix: string }> = {
    "aws:iam/accessKey:AccessKey": { what: "creates an IAM user access key", fix: useOidcRole },
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": { what: "creates an IAM service-specific credential (a static password)", fix: useOidcRole },
    "aws:iam/userLoginProfile:UserLoginProfile": { what: "creates an IAM user console password", fix: "use IAM Identity Center (SSO) for people" },
    "aws:iam/signingCertificate:SigningCertificate": { what: "uploads an IAM user signing certificate", fix: useOidcRole },
    "aws:iam/sshKey:SshKey": { what: "uploads an IAM user SSH key (CodeCommit)", fix: useOidcRole },
    "aws:cognito/userPoolClient:UserPoolClient": { what: "creates a Cognito app client secret", fix: "use a public client with PKCE or a federated identity" },
    "azuread:index/applicationPassword:ApplicationPassword": { what: "creates an Entra application client secret", fix: useFederation },
    "azuread:index/servicePrincipalPassword:ServicePrincipalPassword": { what: "creates an Entra service principal client secret", fix: useFederation },
    "tls:index/privateKey:PrivateKey": { what: "generates a private key and keeps it in the stack state", fix: "use a managed key (KMS, Key Vault) or a federated identity" },
};

/** Types that mint only when a property asks for it: type -> property whose presence mints. */
const MINTING_WHEN_SET: Record<string, string> = {
    "azuread:index/application:Application": "password",
    "aws:cognito/userPoolClient:UserPoolClient": "generateSecret",
};

export const CERTIFICATE_TYPES = [
    "azuread:index/applicationCertificate:ApplicationCertificate",
    "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
];

interface MintedConfig { allowedResources?: string[]; additionalTypes?: string[] }

/** True when `props[key]` asks for a secret, or might once an unknown value resolves. */
function requestsSecret(value: unknown): boolean {
    if (value === undefined || value === null || value === false) return false;
    if (isUnknown(value)) return true;
    if (typeof value === "object" && !Array.isArray(value)) return Object.keys(value).length > 0;
    return true;
}

export const noMintedCredentials: ResourceValidationPolicy = {
    name: "no-minted-credentials",
    description: "No resource may mint a long-lived credential (IAM user keys and passwords, Entra client secrets, private keys in state).",
    enforcementLevel: "mandatory",
    configSchema: schemaWith({
        additionalTypes: {
            type: "array",
            items: { type: "string" },
            default: [],
            description: "More resource type tokens to treat as credential-minting (for providers this pack does not know).",
        },
    }),
    validateResource: (args, reportViolation) => {
        const config = args.getConfig<MintedConfig>();
        if (isAllowedResource(config, args.urn, args.name)) return;
        const props = plain(args.props);
        const conditional = MINTING_WHEN_SET[args.type];
        if (conditional) {
            if (requestsSecret(props[conditional])) {
                const known = MINTING_TYPES[args.type];
                const what = known?.what ?? "creates an Entra application client secret through its inline password block";
                const unknownNote = isUnknown(props[conditional]) ? " (value unknown during preview, so it may)" : "";
                reportViolation(violationMessage(args.name, args.type, what + unknownNote, known?.fix ?? useFederation, conditional));
            }
            return;
        }
        const minting = MINTING_TYPES[args.type];
        if (minting) {
            reportViolation(violationMessage(args.name, args.type, minting.what, minting.fix));
        } else if ((config.additionalTypes ?? []).includes(args.type)) {
            reportViolation(violationMessage(args.name, args.type, "is listed in additionalTypes as a credential-minting resource", "remove it or use federation"));
        }
    },
};

export const appRegistrationCertificates: ResourceValidationPolicy = {
    name: "app-registration-certificates",
    description: "Certificates on Entra app registrations are long-lived credentials too; prefer federation.",
    enforcementLevel: "advisory",
    configSchema: schemaWith(),
    validateResource: (args, reportViolation) => {
        if (!CERTIFICATE_TYPES.includes(args.type)) return;
        if (isAllowedResource(args.getConfig<MintedConfig>(), args.urn, args.name)) return;
        reportViolation(violationMessage(args.name, args.type, "adds a certificate credential to an app registration", useFederation));
    },
};
