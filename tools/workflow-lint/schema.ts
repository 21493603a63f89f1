/**
 * Schema validation through @action-validator/core (the SchemaStore schemas for workflows and actions, compiled
 * to WebAssembly). Its errors nest `oneOf` branches; we report the leaves, once each, because a reader fixes
 * "permissions/id-token: Enum conditions are not met", not "OneOf conditions are not met".
 */
import { validateAction, validateWorkflow, type ValidationError } from "@action-validator/core";
import type { RuleFinding } from "./rules";

export function schemaFindings(text: string, kind: "workflow" | "action"): RuleFinding[] {
  const state = kind === "workflow" ? validateWorkflow(text) : validateAction(text);
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
    const text = `${path || "/"}: ${error.title}${error.detail ? ` (${error.detail})` : ""}`;
    const line = "location" in error && error.location ? error.location.line : 1;
    leaves.set(text, {
      line,
      rule: "schema",
      message: `does not match the GitHub Actions ${kind} schema at ${text}`,
      fix: "correct the key or value at that path (see https://docs.github.com/actions/reference/workflow-syntax-for-github-actions)",
    });
  };
  state.errors.forEach(visit);
  return [...leaves.values()];
}
