/**
 * The sticky comment is rendered by the base branch's code from a pull request's plan files, which a fork controls:
 * forged Markdown is never posted, hostile files are refused with a message of our own, secrets in unmasked plans
 * are masked, and the workflow's writing job runs no repository code.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { buildPlanFile, serialisePlan } from "../../../tools/plan/plan-file";
import { DEFAULT_LIMITS, renderUntrustedComment } from "../../../tools/plan/comment";
import { STICKY_MARKER } from "../../../tools/plan/diff";
import { fake } from "../../../devtools/policy-fixtures/fixtures";
import { REPO_ROOT as repoRoot } from "../../../devtools/repo-root";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function resource(name: string, inputs: Record<string, unknown>, type = "aws:s3/bucket:Bucket") {
  return { urn: `urn:pulumi:dev::zs::${type}::${name}`, type, name, custom: true, inputs };
}

describe("plan-comment: the diff rendered by the base branch's code from untrusted plan files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "plan-comment-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
  const plan = (stack: string, resources: ReturnType<typeof resource>[]) =>
    serialisePlan(buildPlanFile("zs", stack, resources));
  const render = (stacks = ["dev"]) => renderUntrustedComment({ dir, stacks, headSha: SHA });

  it("ignores a forged comment in the artifact and says who computed the plans", async () => {
    write("plan-diff-comment.md", `${STICKY_MARKER}\nAll clear, merge me: [approved](https://evil.example)`);
    write("plan-base-dev.json", plan("dev", []));
    write("plan-pr-dev.json", plan("dev", [resource("bucket", { bucket: "b" })]));
    const markdown = await render();
    assert.ok(markdown.startsWith(`${STICKY_MARKER}\n## Offline plan diff\n`));
    assert.doesNotMatch(markdown, /merge me|evil\.example/);
    assert.match(
      markdown,
      /computed by this pull request's code \(commit `0123456789abcdef0123456789abcdef01234567`\)/,
    );
    assert.match(markdown, /rendered from their plan files by the base branch's code/);
    assert.match(markdown, /\*\*\+ create\*\* `aws:s3\/bucket:Bucket` \*\*bucket\*\*/);
  });

  it("escapes Markdown a fork puts in names, types and paths: no links, images, HTML or mentions", async () => {
    write(
      "plan-pr-dev.json",
      plan("dev", [
        resource("x](https://evil.example) <img src=x> @octocat", { "a`|b": "v" }, "aws:s3/bucket:Bucket`\n# Approved"),
      ]),
    );
    const markdown = await render();
    assert.doesNotMatch(markdown, /(^|[^\\])\]\(https:\/\/evil/);
    assert.doesNotMatch(markdown, /(^|[^\\])<img/);
    assert.doesNotMatch(markdown, /@octocat/);
    assert.doesNotMatch(markdown, /^# Approved/m);
    assert.match(markdown, /\\<img src=x\\>/);
  });

  it("masks secrets the pull request's run left in its plans: an AccountKey connection string, a token", async () => {
    const key = Buffer.from(fake.awsSecretAccessKey() + fake.awsSecretAccessKey()).toString("base64");
    const connection = `DefaultEndpointsProtocol=https;AccountName=zsdev;AccountKey=${key};EndpointSuffix=core.windows.net`;
    const token = fake.githubToken();
    // An update, so that the property table shows the values.
    write(
      "plan-base-dev.json",
      plan("dev", [resource("functions", { siteConfig: { appSettings: [] } }, "azure-native:web:WebApp")]),
    );
    write(
      "plan-pr-dev.json",
      plan("dev", [
        resource(
          "functions",
          { siteConfig: { appSettings: [{ name: "AzureWebJobsStorage", value: connection }] }, note: `token ${token}` },
          "azure-native:web:WebApp",
        ),
      ]),
    );
    const markdown = await render();
    for (const secret of [key, key.slice(0, 30), token])
      assert.ok(!markdown.includes(secret), "a secret reached the comment");
    assert.match(markdown, /\[secret\]/);
  });

  it("refuses an oversized, malformed or mislabelled plan file with its own words, and a missing one", async () => {
    write("plan-pr-dev.json", "x".repeat(DEFAULT_LIMITS.maxFileBytes + 1));
    assert.match(
      await render(),
      /plan file `plan-pr-dev\.json` of this pull request's run was refused \(\d+ bytes, over the/,
    );
    write(
      "plan-pr-dev.json",
      JSON.stringify({ planFormatVersion: 1, project: "zs", stack: "dev", resources: [{ urn: "" }] }),
    );
    assert.match(await render(), /refused \(not a plan file/);
    write("plan-pr-dev.json", plan("prod", []));
    assert.match(await render(), /holds stack `prod`, not dev/);
    write("plan-pr-dev.json", plan("dev", [resource("deep", { a: JSON.parse("[".repeat(40) + "]".repeat(40)) })]));
    assert.match(await render(), /nesting deeper than 32 levels/);
    rmSync(join(dir, "plan-pr-dev.json"));
    assert.match(await render(), /missing: the pull request's run did not plan this stack/);
  });

  it("shows every resource as created when the base could not be planned", async () => {
    write("plan-pr-dev.json", plan("dev", [resource("a", { bucket: "a" }), resource("b", { bucket: "b" })]));
    assert.match(await render(), /\*\*2 to create, 0 to update, 0 to delete\*\*/);
  });
});

describe("plan-comment.yml: the job that can write runs no repository code", () => {
  const workflow = parse(readFileSync(join(repoRoot, ".github/workflows/plan-comment.yml"), "utf8")) as {
    jobs: Record<string, { permissions?: Record<string, string>; steps: Array<Record<string, any>>; needs?: string }>;
  };

  it("renders with a read-only token from the base branch's checkout and the plan JSON only", () => {
    const render = workflow.jobs.render!;
    assert.deepEqual(render.permissions, { contents: "read", actions: "read" });
    const checkout = render.steps.find((s) => String(s.uses ?? "").startsWith("actions/checkout@"))!;
    assert.equal(checkout.with?.ref, undefined, "a workflow_run job's default checkout is the base branch");
    assert.equal(checkout.with?.repository, undefined);
    const run = render.steps.map((s) => String(s.run ?? "")).join("\n");
    assert.match(run, /npm run --silent plan-comment -- --dir "\$PLANS" --head-sha "\$HEAD_SHA"/);
    assert.doesNotMatch(run, /plan-diff(-comment)?\.md/, "the pull request's own Markdown is never read");
  });

  it("posts from a job with no checkout, no npm and no artifact but the rendered comment", () => {
    const post = workflow.jobs.post!;
    assert.equal(post.needs, "render");
    assert.deepEqual(post.permissions, { actions: "read", "pull-requests": "write" });
    for (const step of post.steps) {
      assert.ok(!String(step.uses ?? "").startsWith("actions/checkout@"));
      assert.doesNotMatch(String(step.run ?? ""), /npm|node|tsx/);
      if (String(step.uses ?? "").startsWith("actions/download-artifact@")) {
        assert.equal(step.with.name, "plan-comment");
        assert.equal(step.with["run-id"], undefined, "only this run's artifact");
      }
    }
  });
});
