/**
 * Rule family 3: credentials in workload configuration, and in any string input of any resource.
 * ECS container definitions, Lambda environments, App Service and Container Apps settings, SSM
 * parameters, Secrets Manager values and user data are expanded into NAME=VALUE pairs
 * (lib/named-values.ts) and scanned by name and by content in one detector run per resource:
 * credentials inside composite strings (connection strings, SAS tokens, database URLs), high-entropy
 * values under secret-like names, and values the program itself marked secret that land in plain
 * environment variables or settings. A secret store (Secrets Manager, SSM SecureString, Key Vault)
 * may hold a secret that is not a cloud credential.
 */
import { findSecretsInKeyValues, SecretFinding } from "../detect";
import { schemaWith } from "../lib/config";
import { findingMessages } from "../lib/findings";
import { namedValues } from "../lib/named-values";
import { CheckedResource, Rule } from "../lib/rule";
import { violationMessage } from "../lib/violation";
import { isCiCredentialType } from "./ci-credentials";

/** Resources whose purpose is to keep a secret: a non-cloud secret is where it belongs there. */
function isSecretStore({ type, props }: CheckedResource): boolean {
  if (type === "aws:ssm/parameter:Parameter") return props.type === "SecureString";
  return [
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws-native:secretsmanager:Secret",
    "azure-native:keyvault:Secret",
    "azure:keyvault/secret:Secret",
    "azure-keyvault:index:Secret",
  ].includes(type);
}

/**
 * Plain workload configuration: environment variables and application settings, where anyone who can read the
 * resource's configuration (ecs:DescribeTaskDefinition, lambda:GetFunctionConfiguration, the portal) reads the value.
 */
const WORKLOAD_CONFIG =
  /(^|\.)(environment|env|variables|appSettings|containerDefinitions|environmentVariables)(\.|\[|$)/;
const SETTINGS_TYPES = new Set([
  "azure-native:web:WebAppApplicationSettings",
  "azure-native:web:WebAppApplicationSettingsSlot",
]);

function isWorkloadConfigPath(type: string, path: string): boolean {
  if (SETTINGS_TYPES.has(type)) return path.startsWith("properties");
  // Container Apps keep secrets in configuration.secrets and hand them over by secretRef: that is a store.
  return WORKLOAD_CONFIG.test(path) && !path.startsWith("configuration.secrets");
}

const FIX_MARKED =
  "deliver the value by reference from a secret store (ECS secrets/valueFrom, a Key Vault reference, Container Apps secretRef), or give the workload an identity instead";

const SSM_PARAMETER = "aws:ssm/parameter:Parameter";

/** An SSM parameter's name says what its value is: scan `value` under the parameter's own name. */
function propsForScan({ type, props }: CheckedResource): Record<string, unknown> {
  if (type === SSM_PARAMETER && typeof props.name === "string" && "value" in props) {
    const { value, ...rest } = props;
    // The detector names a value by its path's last segment: "/prod/azure-client-secret" -> "azure-client-secret".
    return { ...rest, value: { [props.name]: value } };
  }
  return props;
}

export const workloadConfig: Rule = {
  name: "no-secrets-in-workload-config",
  description:
    "No cloud credential or other secret in workload configuration or any resource input (by name and by content).",
  enforcementLevel: "mandatory",
  configSchema: schemaWith(),
  async check(resource) {
    // GitHub secrets and variables have their own family with CI-specific advice.
    if (isCiCredentialType(resource.type)) return [];
    const { values, references } = namedValues(propsForScan(resource));
    const store = isSecretStore(resource);
    const kept = (f: SecretFinding) =>
      // A secret store may keep any secret but a cloud credential; a reference to a store is not the value itself.
      (!store || f.cloudCredential) && !(references.has(f.location) && !f.cloudCredential);
    const findings = (await findSecretsInKeyValues(values)).filter(kept);
    const messages = findingMessages(resource.name, resource.type, findings, references);
    if (!store) {
      const reported = new Set(findings.map((f) => f.location));
      for (const path of resource.secretPaths ?? []) {
        if (reported.has(path) || !isWorkloadConfigPath(resource.type, path)) continue;
        messages.push(
          violationMessage(
            resource.name,
            resource.type,
            "a value the program marks secret is set in plain workload configuration, where anyone who can read the configuration reads it",
            FIX_MARKED,
            path,
          ),
        );
      }
    }
    return messages;
  },
};
