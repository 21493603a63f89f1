/**
 * The secret detector: one contract shared by the policy pack, the credential-chain run scanner,
 * `audit` and the workflow lint. Findings say what was found and where, NEVER the value.
 */
import { isCloudCredentialName, lastPathSegment } from "./credential-names";
import { lintText } from "./secretlint";

export { isCloudCredentialName } from "./credential-names";

export interface SecretFinding {
  ruleId: string;
  message: string;
  /** where, e.g. "env.AWS_SECRET_ACCESS_KEY" or "line 3" */
  location: string;
}

/**
 * Public identifiers some preset rules report (an AWS account ID is not a secret; the project
 * keeps account IDs in GitHub variables and stack config on purpose).
 */
const PUBLIC_ID_MESSAGES = new Set(["AWSAccountID"]);

/**
 * secretlint's messages embed the value; with maskSecrets it is a run of asterisks, which still
 * tells the secret's length. Drop the mask entirely: the location says where to look.
 */
function withoutMask(message: string): string {
  return message.replace(/\(?\*{2,}\)?/g, "").replace(/[\s:]+$/, "");
}

export async function findSecretsInText(text: string, opts: { fileName?: string } = {}): Promise<SecretFinding[]> {
  if (!text) return [];
  const messages = await lintText(text, opts.fileName);
  return messages
    .filter((m) => !PUBLIC_ID_MESSAGES.has(m.messageId))
    .map((m) => ({
      ruleId: m.ruleId,
      message: withoutMask(m.message),
      location: `line ${m.loc.start.line}`,
    }));
}

/** Flattens nested values to `path.to.key=value` pairs, one per string leaf (numbers and booleans hold no secret). */
export function flattenStrings(
  value: unknown,
  prefix: string,
  out: Array<[string, string]> = [],
): Array<[string, string]> {
  if (typeof value === "string") {
    out.push([prefix, value]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flattenStrings(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flattenStrings(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/**
 * Scans structured values as NAME=VALUE lines (one secretlint run for all of them, so that the
 * key-context rules such as AWS_SECRET_ACCESS_KEY=... fire), plus a name check: a non-empty value
 * under a cloud-credential name is a finding whatever it looks like.
 */
export async function findSecretsInKeyValues(
  values: Record<string, unknown>,
  pathPrefix = "",
): Promise<SecretFinding[]> {
  const pairs = flattenStrings(values, pathPrefix);
  const findings: SecretFinding[] = [];
  for (const [path, value] of pairs) {
    if (value.trim() !== "" && isCloudCredentialName(path)) {
      findings.push({
        ruleId: "zerosecrets/cloud-credential-name",
        message: `a value is set under the cloud-credential name ${lastPathSegment(path)}`,
        location: path,
      });
    }
  }
  // Values are joined line by line; a multi-line value (a PEM key) keeps its lines, so map each
  // output line back to the pair it came from.
  const lineOwner: string[] = [];
  const lines: string[] = [];
  for (const [path, value] of pairs) {
    const valueLines = value.split(/\r?\n/);
    valueLines.forEach((l, i) => {
      lines.push(i === 0 ? `${lastPathSegment(path)}=${l}` : l);
      lineOwner.push(path);
    });
  }
  for (const f of await findSecretsInText(lines.join("\n"))) {
    const line = Number(f.location.slice("line ".length));
    findings.push({ ...f, location: lineOwner[line - 1] ?? f.location });
  }
  return findings;
}
