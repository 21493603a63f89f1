/**
 * The sticky plan-diff comment, rendered by the BASE branch's code from plan files a pull request's run produced.
 *
 * plan-comment.yml runs with a token that can write comments; the pull request's run (a fork's code, possibly) must
 * not be able to put words in the bot's mouth. So nothing it rendered is posted: this module reads only the plan
 * JSON files of the `offline-plans` artifact, treats them as untrusted input (size limits before parsing, the plan
 * schema, limits on resources, depth and string length), masks every secret the detector finds in them again,
 * renders the diff with this branch's renderer (which escapes every name, type and path), and says where the plans
 * came from. A file that fails validation yields a comment that says so, built from this module's own words.
 *
 *     npm run --silent plan-comment -- --dir plans --head-sha <sha> --out comment.md
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { maskDetectedSecrets, maskSecretsInText } from "../../policy/detect/mask";
import { markdownCode, renderPlanDiff, STICKY_MARKER, truncateForComment } from "./diff";
import { buildPlanFile, parsePlanJson, SECRET_MARK, type PlanFile } from "./plan-file";

export interface UntrustedPlanLimits {
  /** Largest plan file read at all, in bytes. */
  maxFileBytes: number;
  maxResources: number;
  /** Deepest nesting of a resource's inputs. */
  maxDepth: number;
  /** Longest string anywhere in a plan. */
  maxStringLength: number;
}

/** Generous for this program (about 60 resources, a few kB each), small enough that a hostile artifact costs little. */
export const DEFAULT_LIMITS: UntrustedPlanLimits = {
  maxFileBytes: 5 * 1024 * 1024,
  maxResources: 2000,
  maxDepth: 32,
  maxStringLength: 64 * 1024,
};

/** GitHub refuses comments over 65,536 characters; leave room for the provenance note. */
export const COMMENT_LIMIT = 60_000;

export class UntrustedPlanError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = "UntrustedPlanError";
  }
}

function checkShape(value: unknown, limits: UntrustedPlanLimits, depth: number, file: string): void {
  if (depth > limits.maxDepth) throw new UntrustedPlanError(file, `nesting deeper than ${limits.maxDepth} levels`);
  if (typeof value === "string") {
    if (value.length > limits.maxStringLength)
      throw new UntrustedPlanError(file, `a string longer than ${limits.maxStringLength} characters`);
  } else if (Array.isArray(value)) value.forEach((v) => checkShape(v, limits, depth + 1, file));
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      checkShape(k, limits, depth + 1, file);
      checkShape(v, limits, depth + 1, file);
    }
}

/** Reads one plan file of the artifact; undefined when it is missing. Throws UntrustedPlanError naming the problem. */
export function readUntrustedPlan(path: string, file: string, limits = DEFAULT_LIMITS): PlanFile | undefined {
  if (!existsSync(path)) return undefined;
  const size = statSync(path).size;
  if (size > limits.maxFileBytes)
    throw new UntrustedPlanError(file, `${size} bytes, over the ${limits.maxFileBytes}-byte limit`);
  let plan: PlanFile;
  try {
    plan = parsePlanJson(readFileSync(path, "utf8"), file);
  } catch (error) {
    throw new UntrustedPlanError(file, `not a plan file (${(error as Error).message.replace(`${file}: `, "")})`);
  }
  if (plan.resources.length > limits.maxResources)
    throw new UntrustedPlanError(file, `${plan.resources.length} resources, over the limit of ${limits.maxResources}`);
  checkShape(plan, limits, 0, file);
  return plan;
}

/** The plan with every detected secret masked again: the pull request's run may not have masked anything. */
async function remask(plan: PlanFile): Promise<PlanFile> {
  const resources = await Promise.all(
    plan.resources.map(async (r) => ({ ...r, inputs: (await maskDetectedSecrets(r.inputs, SECRET_MARK)).masked })),
  );
  return { ...plan, resources };
}

export interface CommentOptions {
  dir: string;
  stacks: readonly string[];
  /** The commit the pull request's run planned. */
  headSha: string;
  maxLength?: number;
  limits?: UntrustedPlanLimits;
}

function provenance(headSha: string): string {
  return [
    `> These plans were computed by this pull request's code (commit ${markdownCode(headSha.slice(0, 40))}) on a runner with no`,
    "> cloud credentials; this comment was rendered from their plan files by the base branch's code, which masked every",
    "> secret its detector finds. The policy gate's verdict is the pull-request check, not this comment.",
    "",
  ].join("\n");
}

/** The comment's Markdown (always starting with the sticky marker), or an explanation when the plans are unusable. */
export async function renderUntrustedComment(options: CommentOptions): Promise<string> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const maxLength = options.maxLength ?? COMMENT_LIMIT;
  if (!/^[0-9a-f]{7,40}$/.test(options.headSha))
    throw new Error(`--head-sha takes a commit SHA, got ${JSON.stringify(options.headSha)}`);
  let pairs: Array<{ base: PlanFile; head: PlanFile }>;
  try {
    pairs = [];
    for (const stack of options.stacks) {
      const baseFile = `plan-base-${stack}.json`;
      const headFile = `plan-pr-${stack}.json`;
      const head = readUntrustedPlan(join(options.dir, headFile), headFile, limits);
      if (!head) throw new UntrustedPlanError(headFile, "missing: the pull request's run did not plan this stack");
      if (head.stack !== stack)
        throw new UntrustedPlanError(headFile, `holds stack ${markdownCode(head.stack)}, not ${stack}`);
      const base =
        readUntrustedPlan(join(options.dir, baseFile), baseFile, limits) ?? buildPlanFile(head.project, stack, []);
      pairs.push({ base: await remask(base), head: await remask(head) });
    }
  } catch (error) {
    if (!(error instanceof UntrustedPlanError)) throw error;
    return [
      STICKY_MARKER,
      "## Offline plan diff",
      "",
      `No diff: the plan file ${markdownCode(error.file)} of this pull request's run was refused (${error.problem}).`,
      "See the run's job summary.",
      "",
    ].join("\n");
  }
  const diff = renderPlanDiff(pairs);
  const [marker, ...rest] = diff.split("\n");
  const markdown = [marker, rest[0], "", provenance(options.headSha), ...rest.slice(2)].join("\n");
  const masked = await maskSecretsInText(markdown, SECRET_MARK);
  return truncateForComment(
    masked,
    maxLength,
    "the pull-request run's job summary and its offline-plans artifact hold the whole diff",
  );
}

export function buildProgram(write: (text: string) => void = (t) => process.stdout.write(t)): Command {
  return new Command("plan-comment")
    .description("render the sticky plan-diff comment from an offline-plans artifact (untrusted plan files)")
    .requiredOption("--dir <dir>", "folder the artifact was downloaded to")
    .requiredOption("--head-sha <sha>", "the commit the pull request's run planned")
    .option("--stacks <names>", "stacks, comma-separated", "dev,prod")
    .option("--out <file>", "write the Markdown here instead of standard output")
    .exitOverride()
    .action(async (options: { dir: string; headSha: string; stacks: string; out?: string }) => {
      const markdown = await renderUntrustedComment({
        dir: options.dir,
        headSha: options.headSha,
        stacks: options.stacks.split(",").filter(Boolean),
      });
      if (options.out) writeFileSync(options.out, markdown);
      else write(markdown);
    });
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`plan-comment: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
