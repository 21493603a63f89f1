// The CLI as a user meets it: help for every command, and a bad configuration that exits 78 with a
// message naming every problem, before anything is touched.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

const REPO = join(__dirname, "..", "..");

function worker(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", join(REPO, "worker", "src", "cli.ts"), ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("worker CLI", function () {
  this.timeout(60_000);

  it("prints help for each command", () => {
    for (const command of ["sync", "status", "reset"]) {
      const out = worker([command, "--help"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, new RegExp(`Usage: worker ${command}`));
      assert.match(out.stdout, /--site <id>/);
    }
    assert.match(worker(["sync", "--help"]).stdout, /--concurrency <n>/);
    assert.match(worker(["--help"]).stdout, /sync \[options\][\s\S]*status[\s\S]*reset/);
  });

  it("exits 78 naming every missing variable when the environment is empty", () => {
    const out = worker(["sync", "--site", "x"]);
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
    }
  });

  it("exits 78 when static credentials meet a real endpoint, and says why", () => {
    const out = worker(["sync"], {
      SYNC_SITE_IDS: "site-a",
      CHECKPOINT_TABLE: "c-table",
      STATE_TABLE: "s-table",
      DOCUMENTS_TABLE: "d-table",
      LEASE_TABLE: "l-table",
      CONTENT_BUCKET: "content-bucket",
      AWS_REGION: "ap-southeast-2",
      AZURE_TENANT_ID: "contoso.onmicrosoft.com",
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000000",
      AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64"),
    });
    assert.equal(out.code, 78);
    assert.match(out.stderr, /static credentials are set \(AWS_SECRET_ACCESS_KEY\)/);
    assert.match(out.stderr, /federation only/);
  });

  it("rejects an unknown --graph-auth mode and a non-numeric --concurrency", () => {
    assert.match(worker(["sync", "--graph-auth", "maybe"]).stderr, /Allowed choices are auto, none/);
    const bad = worker(["sync", "--concurrency", "many"]);
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /must be a whole number/);
  });
});
