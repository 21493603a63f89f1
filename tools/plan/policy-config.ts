/**
 * The stack's policy configuration (enforcement levels, allow-lists such as the read-only identities that may
 * admit pull requests) in the `pulumi preview --policy-pack-config` format. One file per stack,
 * `policy/config.<stack>.json`: the same file the workflows give `pulumi preview|up --policy-pack-config`.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

export function defaultPolicyConfigFile(stack: string): string | undefined {
  const file = resolve(__dirname, "..", "..", "policy", `config.${stack}.json`);
  return existsSync(file) ? file : undefined;
}

/** The pack checks the content against each policy's schema when it is configured; here only that it is a JSON object. */
export function readPolicyConfig(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(
      `policy configuration ${file}: ${(error as Error).message}; pass a JSON file in the --policy-pack-config format`,
      { cause: error },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(
      `policy configuration ${file}: expected a JSON object such as { "all": "mandatory", "<policy>": { ... } }`,
    );
  }
  return parsed as Record<string, unknown>;
}
