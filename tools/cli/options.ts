/**
 * Options several CLIs share (plan, audit, lint-workflows, and the access-matrix CLI): the output format, a SARIF
 * file beside the text, the organisation, policy configuration, and a whole-number parser for limits. Each returns
 * a fresh commander Option, so every command declares it with the same name, help and validation.
 */
import { InvalidArgumentError, Option } from "commander";
import { SEVERITY_ORDER, type Severity } from "../report/finding";

export type OutputFormat = "text" | "json" | "sarif";

export interface ReportOptions {
  format: OutputFormat;
  /** Also write SARIF here (with any format). */
  sarif?: string;
  /** Report findings at this severity or worse. */
  severity: Severity;
}

export function formatOption(): Option {
  return new Option(
    "--format <format>",
    "what to print on stdout: text for people, json for scripts, sarif for code scanning",
  )
    .choices(["text", "json", "sarif"])
    .default("text");
}

export function sarifOption(): Option {
  return new Option("--sarif <file>", "also write the findings as SARIF 2.1.0 to <file> (for GitHub code scanning)");
}

export function severityOption(): Option {
  return new Option("--severity <level>", "report findings at this severity or worse: error, warning or note")
    .choices(SEVERITY_ORDER)
    .default("note");
}

export function organizationOption(): Option {
  return new Option(
    "--organization <name>",
    'what pulumi.getOrganization() returns (default "organization", as on a self-managed backend)',
  );
}

export function policyConfigOption(description: string): Option {
  return new Option("--policy-config <file>", description);
}

/** A commander argument parser for a whole number of at least `min`. */
export function wholeNumber(min: number, what: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`${what} takes a whole number (${min} or more), got ${value}`);
    }
    return parsed;
  };
}
