// The deploy path: the Pulumi CLI comes from Pulumi's setup action pinned by commit at the SDK's version (never a
// script piped into a shell in a job that holds id-token: write), and each deployment pushes the commit's scanned
// image before `pulumi up` deploys exactly that tag.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

const ROOT = resolve(__dirname, "..", "..", "..");
const WORKFLOWS = ["deploy.yml", "plan-comment.yml", "pull-request.yml", "pulumi.yml", "worker-image.yml"];

type Step = {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = { steps?: Step[]; needs?: string | string[]; uses?: string; env?: Record<string, string> };
const workflow = (file: string) =>
  parse(readFileSync(join(ROOT, ".github", "workflows", file), "utf8")) as { jobs: Record<string, Job> };
const text = (file: string) => readFileSync(join(ROOT, ".github", "workflows", file), "utf8");

describe("the deploy path", () => {
  it("installs the Pulumi CLI with Pulumi's setup action pinned by commit, at the version of the SDK in the lock file", () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const sdk = lock.packages["node_modules/@pulumi/pulumi"]!.version;
    const install = workflow("pulumi.yml").jobs.pulumi!.steps!.find((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.ok(install, "pulumi.yml installs the CLI with pulumi/actions");
    assert.match(install.uses!, /^pulumi\/actions@[0-9a-f]{40}$/);
    assert.equal(install.with?.["pulumi-version"], sdk);
    assert.equal(install.with?.command, undefined, "install-only mode: the job runs the commands itself");
    for (const file of WORKFLOWS)
      assert.doesNotMatch(text(file), /curl[^\n|]*\|\s*(sudo\s+)?(ba|z)?sh\b/, `${file} pipes a download into a shell`);
  });

  it("pushes the commit's scanned image before pulumi up, and deploys exactly that tag", () => {
    const steps = workflow("pulumi.yml").jobs.pulumi!.steps!;
    const index = (match: (s: Step) => boolean, what: string) => {
      const i = steps.findIndex(match);
      assert.ok(i >= 0, what);
      return i;
    };
    const download = index(
      (s) => s.uses?.startsWith("actions/download-artifact@") === true,
      "a download of the scanned image",
    );
    const push = index((s) => /docker push "\$repository:\$IMAGE_TAG"/.test(s.run ?? ""), "a push of the image");
    const up = index((s) => /pulumi up /.test(s.run ?? ""), "pulumi up");
    assert.ok(download < push && push < up, "download, push, then up");
    for (const i of [download, push, up]) assert.equal(steps[i]!.if, "inputs.command == 'up'");
    assert.equal(steps[push]!.env?.IMAGE_TAG, "${{ github.sha }}");
    assert.equal(steps[up]!.env?.IMAGE_TAG, "${{ github.sha }}");
    assert.match(steps[up]!.run!, /--config "zerosecrets:workerImageTag=\$IMAGE_TAG"/);
    // The image pushed is the one worker-image.yml built and scanned for this commit, under the name it gave it.
    const build = workflow("worker-image.yml").jobs.build!;
    assert.equal(build.env?.IMAGE_TAG, "${{ github.sha }}");
    assert.match(steps[push]!.run!, new RegExp(`docker tag "${build.env!.IMAGE_NAME}:\\$IMAGE_TAG"`));
    // The deployments wait for that build.
    const deploy = workflow("deploy.yml").jobs;
    assert.equal(deploy.image!.uses, "./.github/workflows/worker-image.yml");
    for (const job of ["dev", "prod"])
      assert.ok([deploy[job]!.needs].flat().includes("image"), `${job} needs the image`);
  });
});
