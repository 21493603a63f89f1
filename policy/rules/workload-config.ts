/**
 * Rule family 3: credentials in workload configuration, and in any string input of any resource.
 * ECS container definitions, Lambda environments, App Service and Container Apps settings, SSM
 * parameters, Secrets Manager values and user data are expanded into NAME=VALUE pairs
 * (lib/named-values.ts) and scanned by name and by content in one detector run per resource.
 */
import { findSecretsInKeyValues } from "../detect";
import { schemaWith } from "../lib/config";
import { findingMessages } from "../lib/findings";
import { namedValues } from "../lib/named-values";
import { CheckedResource, Rule } from "../lib/rule";
import { isCiCredentialType } from "./ci-credentials";

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
    const findings = await findSecretsInKeyValues(values);
    return findingMessages(resource.name, resource.type, findings, references);
  },
};
