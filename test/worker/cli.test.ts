// The CLI as a user meets it, run in-process through runCli: help for every command, a bad
// configuration that exits 78 with ONE human-readable message naming every problem (the JSON log
// line only when logs go to a machine), bad switches. Then `.env` loading through the real entry
// point in a child process: precedence, and refusal of a static credential that came from the file.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryLogger } from "../../devtools/worker/memory-logger";
import { runCli } from "../../worker/src/cli";
import { loadDotEnv } from "../../worker/src/config/dotenv";

const REPO = join(__dirname, "..", "..");

async function worker(args: string[], env: Record<string, string> = {}, opts: { tty?: boolean } = {}) {
  let stdout = "";
  let stderr = "";
  const logs: Array<Record<string, unknown>> = [];
  const code = await runCli(args, {
    env,
    stdout: { write: (t: string) => (stdout += t), isTTY: opts.tty },
    stderr: { write: (t: string) => (stderr += t) },
    logger: memoryLogger(logs, undefined, "info"),
  });
  return { code, stdout, stderr, logs };
}

const VALID = {
  SYNC_SITE_IDS: "site-a",
  CHECKPOINT_TABLE: "c-table",
  STATE_TABLE: "s-table",
  DOCUMENTS_TABLE: "d-table",
  LEASE_TABLE: "l-table",
  CONTENT_BUCKET: "content-bucket",
  AWS_REGION: "ap-southeast-2",
  AZURE_TENANT_ID: "contoso.onmicrosoft.com",
  AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000000",
};

describe("worker CLI", () => {
  it("prints help for each command", async () => {
    for (const command of ["sync", "status", "reset"]) {
      const out = await worker([command, "--help"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, new RegExp(`Usage: worker ${command}`));
      assert.match(out.stdout, /--site <id>/);
    }
    assert.match((await worker(["sync", "--help"])).stdout, /--concurrency <n>/);
    assert.match((await worker(["--help"])).stdout, /sync \[options\][\s\S]*status[\s\S]*reset/);
  });

  it("exits 78 naming every missing variable, once, in words, when the environment is empty", async () => {
    const out = await worker(["sync", "--site", "x"], {}, { tty: true });
    assert.equal(out.code, 78);
    for (const name of [
      "SYNC_SITE_IDS",
      "CHECKPOINT_TABLE",
      "STATE_TABLE",
      "DOCUMENTS_TABLE",
      "LEASE_TABLE",
      "CONTENT_BUCKET",
      "AWS_REGION",
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_ID",
    ]) {
      assert.match(out.stderr, new RegExp(`- ${name} is required`));
      assert.equal(out.stderr.split(`- ${name} is required`).length, 2, `${name} is named once`);
    }
    assert.deepEqual(out.logs, [], "no JSON copy of the message on a terminal");
    const machine = await worker(["sync", "--site", "x"], {}, { tty: false });
    assert.equal(
      machine.logs.filter((l) => l.msg === "invalid configuration").length,
      1,
      "one JSON line for a log collector",
    );
  });

  it("exits 78 when static credentials meet a real endpoint, and says why", async () => {
    const out = await worker(["sync"], { ...VALID, AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64") });
    assert.equal(out.code, 78);
    assert.match(out.stderr, /static credentials are set \(AWS_SECRET_ACCESS_KEY\)/);
    assert.match(out.stderr, /federation only/);
  });

  it("rejects an unknown --graph-auth mode and a non-numeric --concurrency", async () => {
    const mode = await worker(["sync", "--graph-auth", "maybe"]);
    assert.equal(mode.code, 78);
    assert.match(mode.stderr, /Allowed choices are auto, none/);
    const bad = await worker(["sync", "--concurrency", "many"]);
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /must be a whole number/);
  });
});

describe("worker .env loading", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "worker-dotenv-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("fills in what is unset and never overrides a variable already set", () => {
    writeFileSync(
      join(dir, ".env"),
      "AWS_REGION=eu-west-1\nSTATE_TABLE=from-file\n# a comment\nLEASE_TABLE='quoted'\n",
    );
    const env: NodeJS.ProcessEnv = { AWS_REGION: "ap-southeast-2" };
    const load = loadDotEnv(env, dir);
    assert.equal(load.file, join(dir, ".env"));
    assert.deepEqual([...load.loaded].sort(), ["LEASE_TABLE", "STATE_TABLE"]);
    assert.deepEqual(load.kept, ["AWS_REGION"]);
    assert.equal(env.AWS_REGION, "ap-southeast-2", "the environment wins");
    assert.equal(env.STATE_TABLE, "from-file");
    assert.equal(env.LEASE_TABLE, "quoted");
    assert.deepEqual(loadDotEnv({}, join(dir, "nothing-here")), { loaded: [], kept: [] });
  });

  it("says which file it loaded and refuses a static credential that came from it (the real entry point)", () => {
    const secret = randomBytes(30).toString("base64");
    writeFileSync(
      join(dir, ".env"),
      `${Object.entries(VALID)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\nAWS_SECRET_ACCESS_KEY=${secret}\n`,
    );
    const result = spawnSync(
      process.execPath,
      ["--require", require.resolve("tsx/cjs"), join(REPO, "worker", "src", "cli.ts"), "sync"],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", AWS_REGION: "ap-southeast-2" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(result.status, 78, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `Loaded 9 variable\\(s\\) from ${join(dir, ".env").replace(/[.\\/]/g, "\\$&")}; already set, so kept: AWS_REGION`,
      ),
    );
    assert.match(result.stderr, /static credentials are set \(AWS_SECRET_ACCESS_KEY from .*\.env\)/);
    assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), "the value is never printed");
  });
});
