/**
 * Validates SARIF against the SARIF 2.1.0 JSON schema (OASIS, as published by SchemaStore; the copy shipped in the
 * `@microsoft/jest-sarif` package, so the repository vendors nothing), with Ajv's draft-04 validator and the
 * formats the schema uses (uri, uri-reference, date-time).
 */
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const schemaFile = join(
  require.resolve("@microsoft/jest-sarif/package.json").replace(/package\.json$/, ""),
  "lib",
  "schemas",
  "sarif-2.1.0-rtm.5.json",
);

let validate: ReturnType<Ajv04["compile"]> | undefined;

/** The schema's errors for `log`, empty when it is valid SARIF 2.1.0. */
export function sarifErrors(log: unknown): string[] {
  if (!validate) {
    // The published schema has a language pattern (`…]?$`) that is only valid without the unicode flag.
    const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")) as object);
  }
  if (validate(log)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`.trim());
}
