// No Docker engine here, so the image cannot be built in CI: this checks the Dockerfile's structure
// instead (multi-stage, non-root, production dependencies only, compiled with the build tsconfig),
// and that the build tsconfig really compiles the worker to the entrypoint the image runs.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = join(__dirname, "..", "..");

interface Stage {
  name: string;
  instructions: Array<{ op: string; args: string }>;
}

/** Instructions per stage, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (op.toUpperCase() === "FROM")
      stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage${stages.length}`, instructions: [] });
    stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

describe("worker Dockerfile", () => {
  const stages = parseDockerfile(readFileSync(join(REPO, "worker", "Dockerfile"), "utf8"));
  const runtime = stages.at(-1)!;
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.op === "RUN").map((i) => i.args);

  it("is multi-stage: a build stage compiles, the final stage only runs", () => {
    assert.ok(stages.length >= 2, "at least a build and a runtime stage");
    const build = stages.find((s) => s.name === "build");
    assert.ok(build, "a stage named build");
    assert.ok(runs(build).some((r) => r.includes("tsc -p worker/tsconfig.build.json")));
    assert.ok(!runs(runtime).some((r) => r.includes("tsc")), "no compiler in the runtime stage");
    assert.ok(
      runtime.instructions.some(
        (i) => i.op === "COPY" && i.args.startsWith("--from=build") && i.args.includes("worker/dist"),
      ),
    );
  });

  it("installs production dependencies only, from the lock file, in the final stage", () => {
    const install = runs(runtime).find((r) => r.includes("npm ci"));
    assert.ok(install, "npm ci in the runtime stage");
    assert.match(install, /--omit=dev/);
    assert.match(install, /--workspace worker|-w worker/);
    assert.ok(!runs(runtime).some((r) => /npm (install|i) /.test(r)), "npm install would ignore the lock file");
  });

  it("runs as a non-root user, with the CLI as entrypoint", () => {
    const user = runtime.instructions.filter((i) => i.op === "USER").at(-1);
    assert.ok(user, "a USER instruction in the final stage");
    assert.ok(!["root", "0", "0:0"].includes(user.args), `runs as ${user.args}`);
    const entrypoint = runtime.instructions.find((i) => i.op === "ENTRYPOINT");
    assert.ok(entrypoint && JSON.parse(entrypoint.args).includes("worker/dist/cli.js"));
  });

  it("bakes in no secret and no credential variable", () => {
    const text = readFileSync(join(REPO, "worker", "Dockerfile"), "utf8");
    assert.doesNotMatch(text, /^\s*(ENV|ARG)\s+\S*(SECRET|PASSWORD|TOKEN|ACCESS_KEY)/im);
  });

  it("compiles with worker/tsconfig.build.json to the entrypoint the image runs", function () {
    this.timeout(60_000);
    const out = mkdtempSync(join(tmpdir(), "worker-build-"));
    try {
      execFileSync(
        process.execPath,
        [require.resolve("typescript/bin/tsc"), "-p", "worker/tsconfig.build.json", "--outDir", out],
        { cwd: REPO },
      );
      assert.ok(existsSync(join(out, "cli.js")), "worker/dist/cli.js is what ENTRYPOINT runs");
      const help = execFileSync(process.execPath, [join(out, "cli.js"), "sync", "--help"], {
        env: { ...process.env, NODE_PATH: join(REPO, "node_modules") },
      }).toString();
      assert.match(help, /--site <id>/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
