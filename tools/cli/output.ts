/**
 * Prints a command's result in the format asked for, and writes the SARIF file when asked: text (the command's own
 * rendering) or JSON or SARIF on stdout, and SARIF to `--sarif <file>` beside any of them.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { atLeast, type Report } from "../report/finding";
import { toJson } from "../report/json";
import { toSarif } from "../report/sarif";
import type { CliIo } from "./io";
import type { ReportOptions } from "./options";

/** Drops findings below the requested severity (rules stay described). */
export function filterBySeverity(report: Report, options: Pick<ReportOptions, "severity">): Report {
  return { ...report, findings: report.findings.filter((finding) => atLeast(finding.severity, options.severity)) };
}

export function emitReport(
  report: Report,
  options: ReportOptions,
  io: CliIo,
  render: { text: () => string; details: () => Record<string, unknown>; baseDir: string },
): void {
  if (options.sarif) {
    const file = resolve(io.cwd, options.sarif);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(toSarif(report, render.baseDir), null, 2)}\n`);
  }
  if (options.format === "json") io.stdout(`${JSON.stringify(toJson(report, render.details()), null, 2)}\n`);
  else if (options.format === "sarif") io.stdout(`${JSON.stringify(toSarif(report, render.baseDir), null, 2)}\n`);
  else io.stdout(render.text());
}
