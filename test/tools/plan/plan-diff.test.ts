/**
 * `diff`: two fixture plans (base branch, pull request) against the exact Markdown the sticky comment gets.
 * The fixtures hold a trust-policy change, a new federated credential, a created, a deleted and two updated
 * resources (one inside an ECS container-definitions JSON string).
 */
import { REPO_ROOT } from "../../../devtools/repo-root";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { memoryIo } from "../../../tools/cli/io";
import { run } from "../../../tools/plan/cli";
import { readPlanPairs, renderPlanDiff, STICKY_MARKER, truncateForComment } from "../../../tools/plan/diff";
import { readPlanFile, type PlanFile } from "../../../tools/plan/plan-file";

const repoRoot = REPO_ROOT;
const fixtures = join(repoRoot, "devtools", "fixtures", "plan");
const base = () => readPlanFile(join(fixtures, "plan-base.json"));
const head = () => readPlanFile(join(fixtures, "plan-pr.json"));

describe("plan diff", () => {
  it("renders the fixture plans as exactly the expected Markdown", () => {
    assert.equal(
      renderPlanDiff([{ base: base(), head: head() }]),
      readFileSync(join(fixtures, "expected-diff.md"), "utf8"),
    );
  });

  it("starts with the sticky-comment marker and puts trust relationships before everything else", () => {
    const markdown = renderPlanDiff([{ base: base(), head: head() }]);
    assert.ok(markdown.startsWith(`${STICKY_MARKER}\n`));
    const trust = markdown.indexOf("#### Trust relationships");
    assert.ok(trust > 0 && trust < markdown.indexOf("#### Created"));
    assert.ok(markdown.indexOf("**github-deploy-dev**") > trust && markdown.indexOf("**github-env-dev**") > trust);
  });

  it("does not depend on the order resources appear in the plan files", () => {
    const reversed = (plan: PlanFile): PlanFile => ({ ...plan, resources: [...plan.resources].reverse() });
    assert.equal(
      renderPlanDiff([{ base: reversed(base()), head: reversed(head()) }]),
      renderPlanDiff([{ base: base(), head: head() }]),
    );
  });

  it("says so when a stack has no changes, one section per stack", () => {
    const markdown = renderPlanDiff([
      { base: head(), head: head() },
      { base: { ...head(), stack: "prod" }, head: { ...head(), stack: "prod" } },
    ]);
    assert.match(markdown, /### Stack `dev`\n\nNo changes\.\n\n### Stack `prod`\n\nNo changes\.\n$/);
    assert.equal(markdown.split(STICKY_MARKER).length, 2, "one marker for the whole comment");
  });

  it("treats a missing base plan as empty only when asked, so a new stack shows every resource created", () => {
    const missing = join(fixtures, "no-such-plan.json");
    assert.throws(
      () => readPlanPairs([missing, join(fixtures, "plan-pr.json")], false),
      /no-such-plan\.json: cannot read the plan file; create it with `npm run plan/,
    );
    const markdown = renderPlanDiff(readPlanPairs([missing, join(fixtures, "plan-pr.json")], true));
    assert.match(markdown, /\*\*8 to create, 0 to update, 0 to delete\*\*/);
  });

  it("cuts a diff too long for a comment at a line, keeping the marker and saying where the rest is", () => {
    const markdown = renderPlanDiff([{ base: base(), head: head() }]);
    assert.equal(truncateForComment(markdown, markdown.length, "x"), markdown);
    const cut = truncateForComment(markdown, 600, "see the job summary");
    assert.ok(cut.length <= 600, `${cut.length} characters`);
    assert.ok(cut.startsWith(`${STICKY_MARKER}\n`));
    assert.match(cut, /\n\n… truncated at 600 characters: see the job summary\n$/);
    assert.ok(
      markdown.startsWith(cut.slice(0, cut.indexOf("\n\n… truncated"))),
      "the kept part is a prefix of the diff",
    );
  });

  it("prints the diff through the CLI, cut to --max-length; refuses an odd number of files, a bad limit and a file that is not a plan", async () => {
    const io = memoryIo(repoRoot);
    const pair = [join(fixtures, "plan-base.json"), join(fixtures, "plan-pr.json")];
    assert.equal(await run(["diff", ...pair], io), 0, io.err);
    assert.equal(io.out, readFileSync(join(fixtures, "expected-diff.md"), "utf8"));
    const cut = memoryIo(repoRoot);
    assert.equal(await run(["diff", ...pair, "--max-length", "400"], cut), 0);
    assert.ok(cut.out.length <= 400 && cut.out.includes("… truncated at 400 characters"));
    const odd = memoryIo(repoRoot);
    assert.equal(await run(["diff", pair[0]!], odd), 2);
    assert.match(odd.err, /diff takes pairs of plan files \(base, pull request\); got 1 file/);
    const limit = memoryIo(repoRoot);
    assert.equal(await run(["diff", ...pair, "--max-length", "12"], limit), 2);
    assert.match(limit.err, /--max-length takes a whole number \(200 or more\), got 12/);
    assert.throws(
      () => readPlanFile(join(fixtures, "expected-diff.md")),
      /expected-diff\.md: not JSON .* pass a file written by `npm run plan`/,
    );
  });
});
