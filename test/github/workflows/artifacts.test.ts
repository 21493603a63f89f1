// Artifacts are found by the same glob library, with the same options, as actions/upload-artifact v4 uses
// (@actions/glob 0.5.0; src/shared/search.ts at the pinned v4.6.2: followSymbolicLinks, implicitDescendants,
// omitBrokenSymbolicLinks, excludeHiddenFiles = !include-hidden-files). v4 skips hidden files and folders unless
// include-hidden-files is set, so plans written under .local/ were never uploaded and plan-comment.yml failed at
// download on every pull request. Each upload here must find every file its job writes, fail when it finds none, and
// put each file where the job that downloads it reads it.
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import * as glob from "@actions/glob";
import { parse } from "yaml";

const ROOT = resolve(__dirname, "..", "..", "..");

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = { jobs: Record<string, { steps?: Step[] }> };

function workflow(file: string): Workflow {
  return parse(readFileSync(join(ROOT, ".github", "workflows", file), "utf8")) as Workflow;
}

/**
 * @actions/glob logs through @actions/core, which writes `::debug::` workflow commands to stdout unconditionally (the
 * runner hides them); they are kept out of the test output.
 */
async function withoutDebugCommands<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).startsWith("::debug::") ? true : write(chunk, ...rest)) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

/** What upload-artifact would upload from `workspace`: the matched files and the artifact's root directory. */
function upload(workspace: string, step: Step): Promise<{ files: string[]; root: string }> {
  return withoutDebugCommands(() => search(workspace, step));
}

async function search(workspace: string, step: Step): Promise<{ files: string[]; root: string }> {
  const patterns = String(step.with?.path ?? "")
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => join(workspace, p));
  const globber = await glob.create(patterns.join("\n"), {
    followSymbolicLinks: true,
    implicitDescendants: true,
    omitBrokenSymbolicLinks: true,
    excludeHiddenFiles: step.with?.["include-hidden-files"] !== true,
  });
  const files = (await globber.glob()).sort();
  const searchPaths = globber.getSearchPaths();
  // Several search paths: their least common ancestor; one: itself (or a lone file's folder).
  const root =
    searchPaths.length > 1
      ? searchPaths
          .map((p) => p.split(sep))
          .reduce((common, parts) => common.filter((part, i) => parts[i] === part))
          .join(sep)
      : files.length === 1 && files[0] === searchPaths[0]
        ? dirname(files[0]!)
        : searchPaths[0]!;
  return { files, root };
}

/** Files a job's `run` scripts write: `--out "x"` and `> x` targets, with `$stack` expanded for each stack. */
function writtenFiles(steps: Step[]): string[] {
  const files = new Set<string>();
  for (const step of steps) {
    for (const m of (step.run ?? "").matchAll(/(?:--out\s+|>\s*)"?([\w./$-]+[\w$])"?/g)) {
      const target = m[1]!;
      if (target.includes("$GITHUB_")) continue;
      for (const stack of ["dev", "prod"]) files.add(target.replace(/\$\{?stack\}?/g, stack));
    }
  }
  return [...files].sort();
}

function uploadStep(steps: Step[], name: string): Step {
  const step = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === name);
  assert.ok(step, `an upload-artifact step for ${name}`);
  return step;
}

describe("workflow artifacts (matched as actions/upload-artifact v4 matches them)", () => {
  let workspace: string;
  beforeEach(() => (workspace = mkdtempSync(join(tmpdir(), "workspace-"))));
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  const touch = (file: string) => {
    mkdirSync(dirname(join(workspace, file)), { recursive: true });
    writeFileSync(join(workspace, file), "x");
  };

  it("uploads every plan and diff the pull-request plan job writes, where plan-comment.yml reads the comment", async () => {
    const steps = workflow("pull-request.yml").jobs.plan!.steps!;
    const written = writtenFiles(steps);
    assert.ok(
      written.includes("plans/plan-diff-comment.md") && written.includes("plans/plan-pr-prod.json"),
      written.join(", "),
    );
    // The base branch checkout and the tools' own scratch space live beside them, hidden.
    for (const file of [...written, ".local/base/Pulumi.yaml", ".local/cache.json"]) touch(file);

    const step = uploadStep(steps, "offline-plans");
    assert.equal(step.with!["if-no-files-found"], "error", "a run that produced no plan must fail, not upload nothing");
    const { files, root } = await upload(workspace, step);
    assert.deepEqual(
      files.map((f) => relative(workspace, f)),
      written,
    );

    // plan-comment.yml downloads the artifact by name into a folder and renders the comment from the plan files
    // there (tools/plan/comment.ts reads plan-base-<stack>.json and plan-pr-<stack>.json at the folder's root).
    const comment = parse(readFileSync(join(ROOT, ".github", "workflows", "plan-comment.yml"), "utf8")) as {
      jobs: { render: { steps: Array<Step & { env?: Record<string, string> }> } };
    };
    const steps2 = comment.jobs.render.steps;
    const download = steps2.find(
      (s) => s.uses?.startsWith("actions/download-artifact@") && s.with?.name === "offline-plans",
    );
    assert.ok(download, "plan-comment.yml downloads offline-plans");
    const render = steps2.find((s) => /plan-comment -- --dir "\$PLANS"/.test(s.run ?? ""));
    assert.ok(render, "plan-comment.yml renders from the downloaded folder");
    assert.equal(render.env?.PLANS, download.with!.path, "it renders from where the artifact was downloaded");
    const inArtifact = files.map((f) => relative(root, f));
    for (const stack of ["dev", "prod"])
      for (const file of [`plan-base-${stack}.json`, `plan-pr-${stack}.json`])
        assert.ok(inArtifact.includes(file), `${file} is not at the artifact's root (${inArtifact.join(", ")})`);
  });

  it("would have caught the hidden folder: the old .local/ paths match nothing with the upload action's defaults", async () => {
    for (const file of [".local/plan-pr-dev.json", ".local/plan-diff.md", ".local/plan-diff-comment.md"]) touch(file);
    const old = {
      uses: "actions/upload-artifact@v4",
      with: { name: "offline-plans", path: ".local/plan-*.json\n.local/plan-diff.md\n.local/plan-diff-comment.md" },
    };
    assert.deepEqual((await upload(workspace, old)).files, []);
    assert.equal(
      (await upload(workspace, { ...old, with: { ...old.with, "include-hidden-files": true } })).files.length,
      3,
    );
  });

  it("uploads the scanned worker image that the deploy job downloads and loads", async () => {
    const build = workflow("worker-image.yml").jobs.build!.steps!;
    const written = writtenFiles(build);
    assert.deepEqual(written, ["worker-image.tar.gz"]);
    touch(written[0]!);
    const step = uploadStep(build, "worker-image");
    assert.equal(step.with!["if-no-files-found"], "error");
    assert.deepEqual(
      (await upload(workspace, step)).files.map((f) => relative(workspace, f)),
      written,
    );
    const deploy = workflow("pulumi.yml").jobs.pulumi!.steps!;
    const download = deploy.find((s) => s.uses?.startsWith("actions/download-artifact@"))!;
    assert.equal(download.with!.name, "worker-image");
    assert.ok(
      deploy.some((s) => (s.run ?? "").includes(`gunzip -c ${written[0]}`)),
      "the deploy job loads the file it downloaded",
    );
  });

  it("makes every artifact a later job needs fail when it finds nothing, and uploads nothing hidden by accident", () => {
    // Needed by a later job: the plans (plan-comment.yml renders from them) and the scanned image (the deploy job
    // pushes it). The SARIF artifacts are optional by design: plan-comment.yml says so when there are none.
    const needed = ["offline-plans", "worker-image"];
    const uploads: string[] = [];
    for (const file of ["deploy.yml", "plan-comment.yml", "pull-request.yml", "pulumi.yml", "worker-image.yml"]) {
      for (const [id, job] of Object.entries(workflow(file).jobs)) {
        for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith("actions/upload-artifact@"))) {
          const name = String(step.with?.name);
          uploads.push(name);
          if (needed.includes(name))
            assert.equal(step.with?.["if-no-files-found"], "error", `${file} › ${id} › ${name}`);
          const hidden = String(step.with?.path)
            .split("\n")
            .some((p) => /(^|\/)\.[^/.]/.test(p.trim()));
          assert.ok(
            !hidden || step.with?.["include-hidden-files"] === true,
            `${file} › ${id} uploads from a hidden path without include-hidden-files`,
          );
        }
      }
    }
    for (const name of needed) assert.ok(uploads.includes(name), `no workflow uploads ${name}`);
  });
});
