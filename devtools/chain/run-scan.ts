// "No secret in any file, variable or log of the run": scans what a run produced with the policy
// pack's detector (policy/detect): the worker's environment, its stdout and stderr, and every text
// file under the directories the run wrote to. Findings name the place, never the value.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { TextDecoder } from "node:util";
import { findSecretsInKeyValues, findSecretsInText, type SecretFinding } from "../../policy/detect";

export interface RunRecord {
  env: Record<string, string>;
  logs: Record<string, string>;
  directories: string[];
  /** Credentials the emulators handed out during the run: none may appear verbatim anywhere. The
   *  detector knows credential SHAPES; these are the actual values, bearer tokens included. */
  issuedCredentials: string[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Text files only: generated document content is random bytes, which no detector reads meaningfully. */
function* textFiles(dir: string): Generator<[string, string]> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) yield* textFiles(path);
    else if (stat.isFile() && stat.size < 4 * 1024 * 1024) {
      try {
        yield [path, utf8.decode(readFileSync(path))];
      } catch {
        // not UTF-8 text
      }
    }
  }
}

export async function scanRun(run: RunRecord): Promise<{
  findings: Array<SecretFinding & { where: string }>;
  scanned: { variables: number; logs: number; files: number };
}> {
  const findings: Array<SecretFinding & { where: string }> = [];
  const leaks = (text: string, where: string) => {
    if (run.issuedCredentials.some((secret) => text.includes(secret))) {
      findings.push({
        ruleId: "chain/issued-credential",
        message: "a credential issued during the run appears verbatim",
        location: where,
        where,
        // Credentials the chain issues are short-lived cloud credentials.
        cloudCredential: true,
      });
    }
  };
  for (const f of await findSecretsInKeyValues(run.env, "env")) findings.push({ ...f, where: "environment" });
  leaks(Object.values(run.env).join("\n"), "environment");
  for (const [name, text] of Object.entries(run.logs)) {
    for (const f of await findSecretsInText(text, { fileName: name })) findings.push({ ...f, where: name });
    leaks(text, name);
  }
  let files = 0;
  for (const dir of run.directories) {
    for (const [path, text] of textFiles(dir)) {
      files++;
      for (const f of await findSecretsInText(text, { fileName: path })) findings.push({ ...f, where: path });
      leaks(text, path);
    }
  }
  return { findings, scanned: { variables: Object.keys(run.env).length, logs: Object.keys(run.logs).length, files } };
}
