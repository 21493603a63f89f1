/**
 * Loads secretlint (ESM) once per process and lints text with the recommended preset plus our own
 * rules. The config is built once: building it per call costs more than the lint itself.
 */
import { azureCredentialRule } from "./azure-credential-rule";
import { entraClientSecretRule } from "./entra-client-secret-rule";
import { SecretlintMessage } from "./secretlint-types";

type LintSource = (args: {
  source: { content: string; filePath: string; ext: string; contentType: "text" };
  options: { config: unknown; maskSecrets?: boolean; noPhysicFilePath?: boolean };
}) => Promise<{ messages: SecretlintMessage[] }>;

interface Loaded {
  lintSource: LintSource;
  config: unknown;
}
let loading: Promise<Loaded> | undefined;

/**
 * secretlint 11's profiler is always on: every lint leaves performance marks behind and its
 * observer scans all earlier ones, so a long-lived process (this pack, serving thousands of
 * Analyze calls) slows down quadratically - measured here, 2,000 resources took 98 s instead of
 * about 3. Fixed upstream in secretlint 13 (secretlint/secretlint#1633, #1653, PR #1673), which
 * needs Node 22. Until then, silence the profiler's marks; nothing reads them.
 */
async function silenceProfiler(): Promise<void> {
  const { secretLintProfiler } = await import("@secretlint/profiler");
  secretLintProfiler.mark = () => undefined;
}

async function load(): Promise<Loaded> {
  await silenceProfiler();
  const core = await import("@secretlint/core");
  const preset = await import("@secretlint/secretlint-rule-preset-recommend");
  const config = {
    rules: [
      {
        id: "@secretlint/secretlint-rule-preset-recommend",
        rule: preset.creator,
        // The access-key-ID scan is off by default in the preset; an AKIA/ASIA ID is half of a
        // long-lived credential, so turn it on. Its account-ID finding is dropped in index.ts.
        rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }],
      },
      { id: entraClientSecretRule.meta.id, rule: entraClientSecretRule },
      { id: azureCredentialRule.meta.id, rule: azureCredentialRule },
    ],
  };
  return { lintSource: core.lintSource as unknown as LintSource, config };
}

/**
 * Results by text. The engine shows the pack the same values twice (Analyze per resource, then
 * AnalyzeStack over the stack), and stacks repeat shapes; secretlint's per-call set-up of its
 * rules costs more than matching a short text. Bounded, oldest first out.
 */
const MAX_CACHED = 4096;
const cache = new Map<string, SecretlintMessage[]>();

export async function lintText(content: string, fileName = "input.txt"): Promise<SecretlintMessage[]> {
  const key = `${fileName}\0${content}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const messages = await lintUncached(content, fileName);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, messages);
  return messages;
}

async function lintUncached(content: string, fileName: string): Promise<SecretlintMessage[]> {
  loading ??= load();
  const { lintSource, config } = await loading;
  const ext = fileName.includes(".") ? fileName.slice(fileName.lastIndexOf(".")) : "";
  const result = await lintSource({
    source: { content, filePath: fileName, ext, contentType: "text" },
    // maskSecrets: messages are never shown, but a mask keeps values out of any stray log too.
    options: { config, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages;
}
