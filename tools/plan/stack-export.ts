/**
 * Reads a `pulumi stack export` file (deployment version 3) into the resources the policy pack analyses.
 * Secrets in an export are `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ... }`
 * holding either `plaintext` (the value JSON-encoded: `--show-secrets`, or a passphrase-less export) or
 * `ciphertext` (encrypted by the stack's secrets provider, which we cannot and should not decrypt).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { fromExportedResource, type ResourceSnapshot } from "../resource-snapshot";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** What an encrypted secret is replaced with: the pack still sees that a secret is there, never its bytes. */
export const CIPHERTEXT_MARK = "[ciphertext]";

const exportSchema = z.object({
  version: z.literal(3, { message: "expected deployment version 3 (from `pulumi stack export`)" }),
  deployment: z.object({
    resources: z
      .array(
        z.object({
          urn: z.string().min(1),
          type: z.string().min(1),
          custom: z.boolean().optional(),
          inputs: z.record(z.string(), z.unknown()).optional(),
          outputs: z.record(z.string(), z.unknown()).optional(),
          parent: z.string().optional(),
          provider: z.string().optional(),
          dependencies: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  }),
});

export interface StackExport {
  resources: ResourceSnapshot[];
  /** Plaintext secret values found in the export: the audit scrubs them from anything it prints. */
  plaintextSecrets: string[];
  /** Secrets the export holds encrypted: their content cannot be scanned. */
  ciphertextCount: number;
}

export function parseStackExport(json: unknown, source: string): StackExport {
  const parsed = exportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${source}: not a stack export: ${issue.path.join(".") || "(root)"}: ${issue.message}; create one with \`pulumi stack export --file export.json\` (add --show-secrets to scan secret values too)`,
    );
  }
  const plaintextSecrets: string[] = [];
  let ciphertextCount = 0;
  const unwrap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(unwrap);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
      if (typeof record.plaintext === "string") {
        const secret = unwrap(JSON.parse(record.plaintext));
        collectStrings(secret, plaintextSecrets);
        return secret;
      }
      ciphertextCount++;
      return CIPHERTEXT_MARK;
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrap(item)]));
  };
  const resources = (parsed.data.deployment.resources ?? []).map((resource) =>
    fromExportedResource({
      ...resource,
      inputs: unwrap(resource.inputs ?? {}) as Record<string, unknown>,
      outputs: unwrap(resource.outputs ?? {}) as Record<string, unknown>,
    }),
  );
  return { resources, plaintextSecrets: [...new Set(plaintextSecrets)], ciphertextCount };
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, into));
  else if (value && typeof value === "object") Object.values(value).forEach((item) => collectStrings(item, into));
}

export function readStackExport(path: string): StackExport {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`${path}: cannot read the file; create it with \`pulumi stack export --file ${path}\``);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message}); pass the output of \`pulumi stack export\``, {
      cause: error,
    });
  }
  return parseStackExport(json, path);
}
