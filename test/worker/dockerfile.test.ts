// No Docker engine here, so the image cannot be built in CI: this checks the Dockerfile's structure
// instead (multi-stage, non-root, production dependencies only, compiled with the build tsconfig),
// and that the build tsconfig really compiles the worker to the entrypoint the image runs.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dockerignore from "@balena/dockerignore";

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

  it("starts every stage from a base image pinned by digest", () => {
    const text = readFileSync(join(REPO, "worker", "Dockerfile"), "utf8");
    const args = Object.fromEntries([...text.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const stage of stages) {
      const from = stage.instructions[0]!.args.split(/\s+/)[0]!;
      const image = from.replace(/^\$\{(\w+)\}$/, (_, name: string) => args[name] ?? "");
      assert.match(image, /^[\w./:-]+@sha256:[0-9a-f]{64}$/, `stage ${stage.name} starts from ${from}`);
    }
  });

  it("lets only what the Dockerfile copies into the build context (.dockerignore at the context root)", () => {
    const ignore = dockerignore().add(readFileSync(join(REPO, ".dockerignore"), "utf8"));
    const copied = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === "COPY" && !i.args.startsWith("--from"))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.ok(copied.includes("worker/src"));
    for (const source of copied) {
      const probe = source === "worker/src" ? "worker/src/cli.ts" : source;
      assert.ok(!ignore.ignores(probe), `${probe} is copied by the Dockerfile but kept out of the context`);
    }
    for (const kept of [
      ".env",
      "worker/.env",
      ".git/config",
      "node_modules/zod/package.json",
      ".local/plan-dev.json",
      "plans/plan-pr-dev.json",
      "Pulumi.dev.yaml",
      "test/worker/cli.test.ts",
      "worker/src/cli.test.ts",
      "components/sync-task.ts",
      "worker/dist/cli.js",
    ]) {
      assert.ok(ignore.ignores(kept), `${kept} would enter the build context`);
    }
  });

  it("ships no build tool: nothing the worker reaches in the lock file is typescript or ts-node", () => {
    // npm ci --omit=dev --workspace worker installs every package the worker reaches through ANY dependency edge
    // unless the lock marks it dev-only; typescript is not (the policy pack needs it in production), so a dev edge
    // from the worker to it put the compiler in the runtime image. The runtime stage also refuses to finish with it.
    const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
      packages: Record<
        string,
        {
          dependencies?: Record<string, string>;
          devDependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
        }
      >;
    };
    const resolveFrom = (from: string, name: string): string | undefined => {
      for (
        let dir = from;
        ;
        dir = dir.includes("/node_modules/") ? dir.slice(0, dir.lastIndexOf("/node_modules/")) : ""
      ) {
        const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
        if (lock.packages[candidate]) return candidate;
        if (dir === "") return undefined;
      }
    };
    const reached = new Set<string>();
    const visit = (path: string, withDev: boolean) => {
      const entry = lock.packages[path]!;
      const edges = { ...entry.dependencies, ...entry.optionalDependencies, ...(withDev ? entry.devDependencies : {}) };
      for (const name of Object.keys(edges)) {
        const target = resolveFrom(path === "worker" ? "" : path, name);
        if (target === undefined || reached.has(target)) continue;
        reached.add(target);
        visit(target, false);
      }
    };
    visit("worker", true);
    assert.ok(reached.has("node_modules/@aws-sdk/client-s3"), "the walk reaches the worker's dependencies");
    for (const tool of ["typescript", "ts-node"])
      assert.ok(![...reached].some((p) => p.endsWith(`node_modules/${tool}`)), `the worker reaches ${tool}`);
    const dockerfile = readFileSync(join(REPO, "worker", "Dockerfile"), "utf8");
    assert.match(runs(runtime).join("\n"), /test ! -e node_modules\/typescript && test ! -e node_modules\/ts-node/);
    assert.doesNotMatch(
      dockerfile,
      /npm (install|i) (?!--no-save --workspace worker)/,
      "only the build stage adds the compiler, unsaved",
    );
  });
});
