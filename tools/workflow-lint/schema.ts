/**
 * Schema validation. Workflows: @action-validator/core (SchemaStore's workflow schema, compiled to WebAssembly);
 * its errors nest `oneOf` branches, and we report the leaves, once each, because a reader fixes
 * "permissions/id-token: Enum conditions are not met", not "OneOf conditions are not met".
 *
 * Composite and other actions (`action.yml`): the metadata schema the Actions runner itself applies
 * (`action-metadata.schema.json`, restated from actions/runner's action_yaml.json), validated with Ajv. SchemaStore's
 * action schema is stricter than the runner (it wants `required` on every input and string defaults), and an
 * action that runs fine on GitHub must not fail here.
 */
import { validateWorkflow, type ValidationError } from "@action-validator/core";
import Ajv, { type ErrorObject } from "ajv";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import actionMetadataSchema from "./action-metadata.schema.json";
import type { RuleFinding } from "./rules";

const WORKFLOW_DOCS = "https://docs.github.com/actions/reference/workflow-syntax-for-github-actions";
const ACTION_DOCS =
  "https://docs.github.com/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions";

export function schemaFindings(text: string, kind: "workflow" | "action"): RuleFinding[] {
  return kind === "workflow" ? workflowSchemaFindings(text) : actionSchemaFindings(text);
}

function workflowSchemaFindings(text: string): RuleFinding[] {
  const state = validateWorkflow(text);
  const leaves = new Map<string, RuleFinding>();
  const visit = (error: ValidationError) => {
    const nested = "states" in error ? error.states : undefined;
    if (nested && nested.length > 0) {
      // Report the branch that came closest (fewest errors): the others describe shapes the author never meant.
      const closest = [...nested].sort((a, b) => a.errors.length - b.errors.length)[0];
      closest.errors.forEach(visit);
      return;
    }
    const path = "path" in error ? error.path : "";
    const detail = `${path || "/"}: ${error.title}${error.detail ? ` (${error.detail})` : ""}`;
    const line = "location" in error && error.location ? error.location.line : 1;
    leaves.set(detail, {
      line,
      rule: "schema",
      message: `does not match the GitHub Actions workflow schema at ${detail}`,
      fix: `correct the key or value at that path (see ${WORKFLOW_DOCS})`,
    });
  };
  state.errors.forEach(visit);
  return [...leaves.values()];
}

const validateAction = new Ajv({ allErrors: true, strict: false }).compile(actionMetadataSchema);

/** The line of the YAML node at a JSON pointer (`/runs/steps/2/shell`), or of its nearest ancestor that exists. */
function lineAt(text: string, pointer: string): number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const path = pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (let length = path.length; length >= 0; length--) {
    const keys = path.slice(0, length).map((part, index, parts) => {
      const parent = index === 0 ? doc.contents : doc.getIn(parts.slice(0, index), true);
      return isSeq(parent) ? Number(part) : part;
    });
    const node = (keys.length === 0 ? doc.contents : doc.getIn(keys, true)) as Node | undefined;
    if (node && typeof node === "object" && "range" in node && node.range) {
      return lineCounter.linePos(node.range[0]).line;
    }
  }
  return 1;
}

function describeActionError(error: ErrorObject): string {
  const at = error.instancePath || "/";
  switch (error.keyword) {
    case "additionalProperties":
      return `${at}: unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case "required":
      return `${at}: "${(error.params as { missingProperty: string }).missingProperty}" is required`;
    case "type":
      return `${at}: must be ${(error.params as { type: string | string[] }).type}`;
    case "const":
    case "anyOf":
      return `${at}: must be composite, docker or node<version>`;
    default:
      return `${at}: ${error.message ?? "invalid"}`;
  }
}

function actionSchemaFindings(text: string): RuleFinding[] {
  let data: unknown;
  try {
    const doc = parseDocument(text);
    if (!isMap(doc.contents)) return [];
    data = doc.toJS();
  } catch {
    return []; // broken YAML is reported as a yaml finding
  }
  if (validateAction(data)) return [];
  const findings = new Map<string, RuleFinding>();
  for (const error of validateAction.errors ?? []) {
    // `if`/`then` wrappers and the `anyOf` branches' own errors say less than the leaf errors beside them.
    if (error.keyword === "if" || (error.keyword === "const" && error.schemaPath.includes("anyOf"))) continue;
    if (error.keyword === "pattern" && error.schemaPath.includes("anyOf")) continue;
    const detail = describeActionError(error);
    findings.set(detail, {
      line: lineAt(text, error.instancePath),
      rule: "schema",
      message: `does not match the GitHub Actions action metadata at ${detail}`,
      fix: `correct the key or value at that path (see ${ACTION_DOCS})`,
    });
  }
  return [...findings.values()];
}
