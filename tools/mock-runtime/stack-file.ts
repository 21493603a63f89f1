/**
 * Reads a Pulumi project (`Pulumi.yaml`) and one stack's config (`Pulumi.<stack>.yaml`) the way the CLI hands them
 * to a program: a flat map of `namespace:key` to strings, structured values as JSON text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

export interface ProjectFile {
  readonly name: string;
  /** Program entry, relative to the project directory. */
  readonly main: string;
}

export function readProject(projectDir: string): ProjectFile {
  const file = path.join(projectDir, "Pulumi.yaml");
  if (!fs.existsSync(file)) throw new Error(`${file} not found: projectDir must hold a Pulumi project`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; main?: unknown } | null;
  if (typeof doc?.name !== "string" || doc.name === "") throw new Error(`${file}: "name" is missing`);
  const main = typeof doc.main === "string" ? doc.main : "index.ts";
  return { name: doc.name, main };
}

/**
 * The stack's config as the Pulumi CLI passes it in `PULUMI_CONFIG`. Project-level defaults from Pulumi.yaml apply
 * when the stack file leaves a key out. `secure:` values are refused: this runtime cannot decrypt them, and this
 * project keeps no secret in a stack file anyway.
 */
export function readStackConfig(projectDir: string, project: ProjectFile, stack: string): Record<string, string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`stack name "${stack}" must be letters, digits, _, . or -`);
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`Stack "${stack}": ${file} not found`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = { ...projectDefaults(projectDir, project) };
  for (const [rawKey, value] of Object.entries(doc?.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    if (value !== null && typeof value === "object" && "secure" in value) {
      throw new Error(
        `Stack "${stack}": config key "${key}" is a secure (encrypted) value; this stack takes public values only`,
      );
    }
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
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
