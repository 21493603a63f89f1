/**
 * The secret detector: one contract shared by the policy pack, the credential-chain run scanner,
 * `audit` and the workflow lint. Findings say what was found and where, NEVER the value.
 */
import { AZURE_CONNECTION_STRING_RULE_ID } from "./azure-credential-rule";
import { isCloudCredentialName, lastPathSegment } from "./credential-names";
import { ENTRA_CLIENT_SECRET_RULE_ID, shannonEntropy } from "./entra-client-secret-rule";
import { lintText } from "./secretlint";

export { isCloudCredentialName } from "./credential-names";

export interface SecretFinding {
  ruleId: string;
  message: string;
  /** where, e.g. "env.AWS_SECRET_ACCESS_KEY" or "line 3" */
  location: string;
  /**
   * True for a credential of a cloud (AWS keys, Entra secrets, Azure account and shared access keys and SAS, GCP
   * keys, a value under a cloud-credential name): a secret store does not make it acceptable. Other secrets (a
   * database password, an OAuth client secret) are fine in a secret store and nowhere else.
   */
  cloudCredential: boolean;
}

export const SECRET_LIKE_NAME_RULE_ID = "zerosecrets/secret-like-name";

/** Rules and messages that find cloud credentials (see SecretFinding.cloudCredential). */
function isCloudFinding(ruleId: string, messageId: string): boolean {
  if (ruleId === AZURE_CONNECTION_STRING_RULE_ID) return messageId !== "ConnectionStringPassword";
  return (
    ruleId === ENTRA_CLIENT_SECRET_RULE_ID ||
    ruleId === "@secretlint/secretlint-rule-aws" ||
    ruleId === "@secretlint/secretlint-rule-gcp" ||
    ruleId === "zerosecrets/cloud-credential-name"
  );
}

/**
 * Environment-variable-style names that say "secret" (`GITHUB_SECRET`, `DB_PASSWORD`, `API_TOKEN`, `SIGNING_KEY`):
 * upper case with underscores, ending in SECRET, PASSWORD, PASSWD, TOKEN or KEY.
 */
const SECRET_LIKE_NAME = /^(?:[A-Z0-9]+_)*(?:SECRET|PASSWORD|PASSWD|PWD|TOKEN|KEY|APIKEY)$/;
/** Shortest value, and the entropy in bits per character, that looks generated rather than written by a person. */
const MIN_SECRET_LENGTH = 16;
const MIN_SECRET_ENTROPY = 3.2;

/** A high-entropy value under a secret-like name; references, ARNs, URLs and paths are not secrets themselves. */
export function isSecretLikeValue(name: string, value: string): boolean {
  if (!SECRET_LIKE_NAME.test(name)) return false;
  const v = value.trim();
  if (v.length < MIN_SECRET_LENGTH || /\s/.test(v)) return false;
  if (/^(arn:|https?:\/\/|@Microsoft\.KeyVault\(|\/|\$\{|\{\{)/.test(v)) return false;
  return shannonEntropy(v) >= MIN_SECRET_ENTROPY;
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
      cloudCredential: isCloudFinding(m.ruleId, m.messageId),
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
        cloudCredential: true,
      });
    } else if (isSecretLikeValue(lastPathSegment(path), value)) {
      findings.push({
        ruleId: SECRET_LIKE_NAME_RULE_ID,
        message: `a high-entropy value is set under the secret-like name ${lastPathSegment(path)}`,
        location: path,
        cloudCredential: false,
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

/**
 * Free text (a log, a rendered diff, a comment) with every range the detector reports replaced by `mark`: the last
 * line of defence for text that was not built from masked data.
 */
export async function maskSecretsInText(text: string, mark: string): Promise<string> {
  if (!text) return text;
  const ranges = (await lintText(text))
    .filter((m) => !PUBLIC_ID_MESSAGES.has(m.messageId))
    .map((m) => [m.range[0], m.range[1]] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  let out = text;
  for (const [start, end] of merged.reverse()) out = out.slice(0, start) + mark + out.slice(end);
  return out;
}
