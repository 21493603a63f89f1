/**
 * Reads a Pulumi project (`Pulumi.yaml`) and one stack's config (`Pulumi.<stack>.yaml`) the way the CLI hands them
 * to a program: a flat map of `namespace:key` to strings, structured values as JSON text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { stableGuid } from "./stable-values";

export interface ProjectFile {
  readonly name: string;
  /** Program entry, relative to the project directory (a file, or a directory Node resolves). */
  readonly main: string;
}

/**
 * The project's name and entry point. The entry is Pulumi.yaml's `main`, else package.json's `main`, else the
 * directory itself (Node then loads `index.ts` or `index.js`), as the Node.js language host decides.
 */
export function readProject(projectDir: string): ProjectFile {
  const file = path.join(projectDir, "Pulumi.yaml");
  if (!fs.existsSync(file)) throw new Error(`${file} not found: projectDir must hold a Pulumi project`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; main?: unknown; runtime?: unknown } | null;
  if (typeof doc?.name !== "string" || doc.name === "") throw new Error(`${file}: "name" is missing`);
  const runtime = typeof doc.runtime === "string" ? doc.runtime : (doc.runtime as { name?: unknown } | undefined)?.name;
  if (runtime !== undefined && runtime !== "nodejs") {
    throw new Error(
      `${file}: runtime is ${JSON.stringify(runtime)}; the offline plan runs Node.js (TypeScript or JavaScript) programs only; for this one run \`pulumi preview --policy-pack <this checkout>/policy\` with the Pulumi CLI`,
    );
  }
  return { name: doc.name, main: typeof doc.main === "string" ? doc.main : packageMain(projectDir) };
}

function packageMain(projectDir: string): string {
  const manifest = path.join(projectDir, "package.json");
  if (fs.existsSync(manifest)) {
    const main = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { main?: unknown }).main;
    if (typeof main === "string" && main !== "") return main;
  }
  return fs.existsSync(path.join(projectDir, "index.ts")) ? "index.ts" : ".";
}

export interface StackConfig {
  /** `namespace:key` → value, as the Pulumi CLI passes it in `PULUMI_CONFIG` (structured values as JSON text). */
  config: Record<string, string>;
  /** Keys whose value is secret (`secure:` in the stack file): the program reads them as Pulumi secrets. */
  secretKeys: string[];
  /** The placeholder standing in for each secret value, by key. */
  securePlaceholders: Record<string, string>;
}

/**
 * The value a `secure:` key holds offline. The ciphertext can only be decrypted by the stack's secrets provider,
 * which the gate neither has nor wants: the program gets a secret holding this placeholder instead (GUID-shaped,
 * one per key, so it passes format checks and can be followed to wherever the program puts it). The gate shows the
 * analyzer an unknown value there, as `pulumi preview` would for a value it cannot know.
 */
export function securePlaceholder(key: string): string {
  return stableGuid("secure config", key);
}

/**
 * The stack's config as the Pulumi CLI hands it to the program. Project-level defaults from Pulumi.yaml apply when
 * the stack file leaves a key out.
 */
export function readStackFile(projectDir: string, project: ProjectFile, stack: string): StackConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`stack name "${stack}" must be letters, digits, _, . or -`);
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`Stack "${stack}": ${file} not found`);
  let doc: { config?: Record<string, unknown> } | null;
  try {
    doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  } catch (error) {
    throw new Error(`Stack "${stack}": ${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`, {
      cause: error,
    });
  }
  const config: Record<string, string> = { ...projectDefaults(projectDir, project) };
  const securePlaceholders: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(doc?.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    // A structured value can hold secure leaves (`pulumi config set --path --secret a.b`): the whole key is secret.
    const found: string[] = [];
    const plain = replaceSecure(value, key, found);
    for (const path of found) securePlaceholders[path] = securePlaceholder(path);
    config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  const secretKeys = [...new Set(Object.keys(securePlaceholders).map((p) => p.split(/[.[]/)[0]!))];
  return { config, secretKeys, securePlaceholders };
}

/** What `pulumi config set --secret` writes: `{ secure: <ciphertext> }`. */
function isSecure(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value;
}

function replaceSecure(value: unknown, at: string, found: string[]): unknown {
  if (isSecure(value)) {
    found.push(at);
    return securePlaceholder(at);
  }
  if (Array.isArray(value)) return value.map((item, index) => replaceSecure(item, `${at}[${index}]`, found));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecure(v, `${at}.${k}`, found)]));
  return value;
}

/** The config map alone (secret values as their placeholders). */
export function readStackConfig(projectDir: string, project: ProjectFile, stack: string): Record<string, string> {
  return readStackFile(projectDir, project, stack).config;
}

function projectDefaults(projectDir: string, project: ProjectFile): Record<string, string> {
  const doc = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const defaults: Record<string, string> = {};
  for (const [rawKey, spec] of Object.entries(doc.config ?? {})) {
    if (spec === null || typeof spec !== "object" || !("default" in spec)) continue;
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    const value = (spec as { default: unknown }).default;
    defaults[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return defaults;
}
