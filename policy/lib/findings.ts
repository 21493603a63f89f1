/**
 * Turns detector findings into violation messages with a fix that fits the credential.
 */
import { SecretFinding } from "../detect";
import { violationMessage } from "./violation";

export const FIX_AWS = "use an IAM role assumed through OIDC (GitHub Actions) or the task role (ECS) instead of keys";
export const FIX_AZURE = "use a federated identity credential or a managed identity instead of a client secret";
export const FIX_GENERIC = "remove the secret; give the workload an identity through federation";

function fixFor(finding: SecretFinding): string {
  const text = `${finding.ruleId} ${finding.message} ${finding.location}`.toLowerCase();
  if (/aws|secret_access_key|access_key_id/.test(text)) return FIX_AWS;
  if (/azure|entra|arm_|client_secret|clientsecret/.test(text)) return FIX_AZURE;
  return FIX_GENERIC;
}

/**
 * One message per property path (a value found by name AND by content is one problem, not two).
 * `references`: paths that name a secret store entry; the message says why that is no better.
 */
export function findingMessages(
  name: string,
  type: string,
  findings: SecretFinding[],
  references = new Set<string>(),
): string[] {
  const byLocation = new Map<string, SecretFinding[]>();
  for (const f of findings) byLocation.set(f.location, [...(byLocation.get(f.location) ?? []), f]);
  return [...byLocation].map(([location, found]) => {
    let what = [...new Set(found.map((f) => f.message))].join("; ");
    if (references.has(location))
      what += " (delivered by reference from a secret store: a secret stored elsewhere is still a long-lived secret)";
    return violationMessage(name, type, what, fixFor(found[0]), location);
  });
}
