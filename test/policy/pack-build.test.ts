/**
 * The pack ships as JavaScript: `package.json` names the bundle as `main` (what the engine's run-policy-pack loads),
 * and the gate rebuilds the bundle whenever a source file is newer, so an edited rule is never served stale.
 */
import { strict as assert } from "node:assert";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_ENTRY, ensurePackBuilt, isPackStale } from "../../policy/build";
import { REPO_ROOT } from "../../devtools/repo-root";

describe("policy pack packaging", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pack-build-"));
    cpSync(join(REPO_ROOT, "policy"), dir, {
      recursive: true,
      filter: (source) => !/[\\/](bin|node_modules)$/.test(source),
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names the built bundle as the package's main, the file the engine loads", () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "policy", "package.json"), "utf8")) as { main: string };
    assert.equal(manifest.main, BUILT_ENTRY.split("\\").join("/"));
    assert.match(readFileSync(join(REPO_ROOT, "policy", "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
  });

  it("builds a missing bundle, leaves a fresh one alone and rebuilds after a source changes", async () => {
    assert.equal(isPackStale(dir), true);
    assert.equal(await ensurePackBuilt(dir), true);
    assert.ok(existsSync(join(dir, BUILT_ENTRY)));
    assert.match(readFileSync(join(dir, BUILT_ENTRY), "utf8"), /zero-secrets/);
    assert.equal(await ensurePackBuilt(dir), false, "rebuilt a fresh bundle");
    // A rule edited after the last build: the bundle is older than a source.
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(join(dir, BUILT_ENTRY), earlier, earlier);
    assert.equal(isPackStale(dir), true);
    assert.equal(await ensurePackBuilt(dir), true);
    assert.equal(isPackStale(dir), false);
  });
});
