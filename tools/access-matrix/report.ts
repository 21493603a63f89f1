/**
 * The matrix as text: per stack, one row per job run and one column per identity, then why each used identity
 * admits its job, why each impostor is turned away, and the findings.
 */
import { identityLabel, type Matrix, type Row } from "./matrix";

const MARK = {
  usedAdmitted: "USED ✓",
  usedDenied: "USED ✗ DENIED",
  admitted: "✓",
  denied: "·",
  impostorAdmitted: "✗ ADMITTED",
} as const;

function mark(row: Row, index: number): string {
  const cell = row.cells[index]!;
  if (row.run.impostor !== undefined) return cell.admitted ? MARK.impostorAdmitted : MARK.denied;
  if (cell.used) return cell.admitted ? MARK.usedAdmitted : MARK.usedDenied;
  return cell.admitted ? MARK.admitted : MARK.denied;
}

function shortName(name: string, stack: string): string {
  return name.replace(new RegExp(`^zs-${stack}-`), "").replace(/-identity$/, "");
}

function rowLabel(row: Row): string {
  const what = row.run.impostor ? `IMPOSTOR: ${row.run.impostor.description}` : row.run.context.description;
  return `${row.run.label} [${what}]`;
}

export function formatMatrix(matrix: Matrix): string {
  const lines: string[] = [];
  const stacks = [...new Set(matrix.identities.map((i) => i.stack))];
  for (const stack of stacks) {
    const columns = matrix.identities
      .map((identity, index) => ({ identity, index }))
      .filter((c) => c.identity.stack === stack);
    const headers = columns.map(
      (c) => `${c.identity.kind === "aws" ? "aws" : "entra"} ${shortName(c.identity.name, stack)}`,
    );
    const labels = matrix.rows.map(rowLabel);
    const width = Math.max(...labels.map((l) => l.length), 10);
    const widths = headers.map((h) => Math.max(h.length, MARK.usedDenied.length));
    lines.push(`Stack ${stack}: job × identity (USED = the job logs in with it; ✓ admitted; · denied)`);
    lines.push(`${"".padEnd(width)}  ${headers.map((h, i) => h.padEnd(widths[i]!)).join("  ")}`);
    matrix.rows.forEach((row, r) => {
      lines.push(
        `${labels[r]!.padEnd(width)}  ${columns.map((c, i) => mark(row, c.index).padEnd(widths[i]!)).join("  ")}`.trimEnd(),
      );
    });
    lines.push("");
  }
  lines.push("Why each job is admitted by the identities it uses:");
  for (const row of matrix.rows.filter((r) => r.run.impostor === undefined)) {
    for (const cell of row.cells.filter((c) => c.used)) {
      lines.push(
        `  ${row.run.label} [${row.run.context.description}] → ${identityLabel(cell.identity)}: ${cell.admitted ? "admitted" : "DENIED"}; ${cell.why}`,
      );
    }
  }
  lines.push("", "Why each impostor is denied by the identities its job uses:");
  for (const row of matrix.rows.filter((r) => r.run.impostor !== undefined)) {
    lines.push(`  ${row.run.label} [${row.run.impostor!.description}]:`);
    const admitted = row.cells.filter((c) => c.admitted);
    // The identities the intended job logs in with are the ones an impostor is after.
    const target = matrix.rows.find((r) => r.run.impostor === undefined && r.run.label === row.run.label);
    const shown = [...admitted, ...row.cells.filter((c, i) => !c.admitted && target?.cells[i]?.used)];
    for (const cell of shown.length > 0 ? shown : row.cells.slice(0, 1)) {
      lines.push(`    ${identityLabel(cell.identity)}: ${cell.admitted ? "ADMITTED" : "denied"}; ${cell.why}`);
    }
  }
  lines.push("");
  if (matrix.findings.length === 0) {
    lines.push(
      `No finding: every job that logs in is admitted by the identity it uses, and ${matrix.rows.filter((r) => r.run.impostor).length} impostor runs are denied by all ${matrix.identities.length} identities.`,
    );
  } else {
    lines.push(`${matrix.findings.length} finding(s):`, ...matrix.findings.map((f) => `  - ${f}`));
  }
  return lines.join("\n");
}
