/**
 * `npm run audit:access [-- --stacks dev,prod] [--project-dir <dir>] [--workflows <dir>] [--json]`: derives, for every
 * job of the repository's workflows that asks for an OIDC token, the claims GitHub issues for each trigger it runs
 * under (and for impostor runs), evaluates them against every role trust policy and federated credential the stacks
 * create, and prints the job × identity matrix with the reasons. Exit 0: every job that logs in is admitted and every
 * impostor denied; 1: a finding; 2: bad usage or input.
 */
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { loadStackFacts, type TrustedRepository } from "./identities";
import { buildMatrix, type Matrix } from "./matrix";
import { formatMatrix } from "./report";
import { jobRuns } from "./runs";
import { readWorkflows } from "./workflows";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface AccessAuditOptions {
  readonly projectDir: string;
  readonly workflowsDir: string;
  readonly stacks: readonly string[];
}

/** The matrix for a project and its workflows (the CLI's work, without printing). */
export async function auditAccess(opts: AccessAuditOptions): Promise<Matrix> {
  const workflows = readWorkflows(opts.projectDir, opts.workflowsDir);
  const stacks = await loadStackFacts(opts.projectDir, opts.stacks);
  const repository = sameRepository(stacks.map((s) => ({ stack: s.stack, repository: s.repository })));
  const runs = await jobRuns(workflows, stacks, repository);
  return buildMatrix(
    runs,
    stacks.flatMap((s) => s.identities),
  );
}

function sameRepository(entries: Array<{ stack: string; repository: TrustedRepository }>): TrustedRepository {
  const [first, ...rest] = entries;
  for (const other of rest) {
    if (JSON.stringify(other.repository) !== JSON.stringify(first!.repository)) {
      throw new Error(
        `stacks ${first!.stack} and ${other.stack} trust different repositories (${first!.repository.owner}/${first!.repository.repository} vs ${other.repository.owner}/${other.repository.repository}); audit them one at a time with --stacks`,
      );
    }
  }
  return first!.repository;
}

export function buildProgram(
  io: { out: (text: string) => void; err: (text: string) => void } = { out: console.log, err: console.error },
): Command {
  return new Command("audit:access")
    .description(
      "job × identity matrix: which workflow jobs each AWS role and Entra identity of the stacks admits, and why",
    )
    .option("--stacks <names>", "comma-separated stacks", "dev,prod")
    .option("--project-dir <dir>", "the Pulumi project (Pulumi.yaml and the stack files)", REPO_ROOT)
    .option("--workflows <dir>", "the workflows directory (default <project-dir>/.github/workflows)")
    .option("--json", "print the matrix as JSON")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .action(async (opts: { stacks: string; projectDir: string; workflows?: string; json?: boolean }) => {
      const projectDir = path.resolve(opts.projectDir);
      const stacks = opts.stacks
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (stacks.length === 0) throw new CommanderError(2, "audit:access.stacks", "--stacks names no stack");
      const matrix = await auditAccess({
        projectDir,
        workflowsDir: path.resolve(opts.workflows ?? path.join(projectDir, ".github", "workflows")),
        stacks,
      });
      io.out(opts.json ? JSON.stringify(toJson(matrix), null, 2) : formatMatrix(matrix));
      process.exitCode = matrix.findings.length > 0 ? 1 : 0;
    });
}

function toJson(matrix: Matrix) {
  return {
    identities: matrix.identities.map((i) => ({ kind: i.kind, stack: i.stack, name: i.name })),
    rows: matrix.rows.map((row) => ({
      job: row.run.label,
      context: row.run.context.description,
      impostor: row.run.impostor?.description,
      claims: row.run.claims,
      cells: row.cells.map((c) => ({
        identity: `${c.identity.stack}/${c.identity.name}`,
        used: c.used,
        admitted: c.admitted,
        why: c.why,
      })),
    })),
    findings: matrix.findings,
  };
}

/** Runs the CLI; resolves with the exit code (0 clean, 1 findings, 2 usage or input errors). */
export async function main(argv: readonly string[], io?: Parameters<typeof buildProgram>[0]): Promise<number> {
  const program = buildProgram(io);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    (io?.err ?? console.error)(`audit:access: ${(err as Error).message}`);
    return 2;
  } finally {
    process.exitCode = undefined;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
