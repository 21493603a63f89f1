/**
 * Rule family 2: credentials handed to CI. GitHub Actions, Dependabot and Codespaces secrets whose
 * name or value is a cloud credential, Actions variables holding secret material, and (advisory)
 * public identifiers kept as secrets where a variable would do.
 */
import { findSecretsInKeyValues, isCloudCredentialName } from "../detect";
import { schemaWith } from "../lib/config";
import { FIX_AWS, FIX_AZURE, findingMessages } from "../lib/findings";
import { CheckedResource, Rule } from "../lib/rule";
import { isUnknown } from "../lib/values";
import { violationMessage } from "../lib/violation";

/** github:index/actionsSecret:ActionsSecret, ...EnvironmentSecret, dependabot..., codespaces... (not the *Repositories links). */
const SECRET_TYPE = /^github:index\/\w+:(Actions|Dependabot|Codespaces)\w*Secret$/;
const VARIABLE_TYPE = /^github:index\/\w+:Actions\w*Variable$/;

export function isCiCredentialType(type: string): boolean {
  return SECRET_TYPE.test(type) || VARIABLE_TYPE.test(type);
}

/** Every property a GitHub secret resource can carry its value in (provider 6.x). */
const SECRET_VALUE_KEYS = ["plaintextValue", "value"];

function nameAndValue({ type, props }: CheckedResource): { name: unknown; value: unknown; nameKey: string } {
  if (SECRET_TYPE.test(type)) {
    const key = SECRET_VALUE_KEYS.find((k) => props[k] !== undefined && props[k] !== null);
    return { name: props.secretName, value: key ? props[key] : undefined, nameKey: "secretName" };
  }
  return { name: props.variableName, value: props.value, nameKey: "variableName" };
}

export const ciCredentials: Rule = {
  name: "no-credentials-in-ci",
  description:
    "No cloud credential in GitHub Actions, Dependabot or Codespaces secrets, and no secret material in Actions variables.",
  enforcementLevel: "mandatory",
  configSchema: schemaWith(),
  async check(resource) {
    if (!isCiCredentialType(resource.type)) return [];
    const { type, name: resourceName } = resource;
    const { name, value, nameKey } = nameAndValue(resource);
    // Unknown during preview: values-unknown-during-preview reports it; judged here at update.
    if (isUnknown(name)) return [];
    const label = typeof name === "string" ? name : "(unnamed)";
    const messages: string[] = [];
    if (SECRET_TYPE.test(type) && isCloudCredentialName(label)) {
      const fix = /azure|arm_/i.test(label) ? FIX_AZURE : FIX_AWS;
      messages.push(
        violationMessage(resourceName, type, `stores the cloud credential ${label} as a CI secret`, fix, nameKey),
      );
    }
    if (typeof value === "string" && !isUnknown(value)) {
      // The name check above already covers secrets; variables get it from the detector.
      const findings = (await findSecretsInKeyValues({ [label]: value })).filter(
        (f) => !(SECRET_TYPE.test(type) && f.ruleId === "zerosecrets/cloud-credential-name"),
      );
      messages.push(
        ...findingMessages(
          resourceName,
          type,
          findings.map((f) => ({ ...f, location: SECRET_TYPE.test(type) ? "plaintextValue" : "value" })),
        ),
      );
    }
    return messages;
  },
};

/** Names and shapes of identifiers that are public by design (GUIDs of apps and tenants, role ARNs, account numbers). */
const PUBLIC_ID_NAME =
  /(CLIENT|TENANT|SUBSCRIPTION|ACCOUNT|APP|APPLICATION|OBJECT|PRINCIPAL|IDENTITY)_?ID$|ROLE_?ARN$|_REGION$/i;
const PUBLIC_ID_VALUE =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{12}|arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+)$/i;

export const publicIdsAsCiSecrets: Rule = {
  name: "public-ids-as-ci-secrets",
  description:
    "Public identifiers (client, tenant and subscription IDs, role ARNs, account IDs) belong in CI variables, not secrets.",
  enforcementLevel: "advisory",
  configSchema: schemaWith(),
  check(resource) {
    if (!SECRET_TYPE.test(resource.type)) return [];
    const { name, value } = nameAndValue(resource);
    const byName = typeof name === "string" && PUBLIC_ID_NAME.test(name);
    const byValue = typeof value === "string" && PUBLIC_ID_VALUE.test(value.trim());
    if (!byName && !byValue) return [];
    return [
      violationMessage(
        resource.name,
        resource.type,
        `keeps the public identifier ${String(name)} as a secret`,
        "store it as an Actions variable (vars.*) so logs show it and reviews can see it",
      ),
    ];
  },
};
