/**
 * Ships the pack as JavaScript: `index.ts` and everything it imports from this directory, bundled by esbuild into
 * `bin/index.js` (dependencies stay external, loaded from node_modules as usual). `package.json` names that file
 * as `main`, so the engine's `run-policy-pack` (which loads the directory's `main`) starts the pack without ts-node
 * type-checking it on every run; `npm test` type-checks the sources instead (`tsc --noEmit` over `policy/**`).
 *
 *   npm run build --workspace policy      # also run by the root `prepare` script after `npm ci`
 *
 * The policy gate calls `ensurePackBuilt` before it starts the pack, so an edited rule is rebuilt (in about a
 * tenth of a second) rather than silently served stale.
 */
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Where the built pack goes, relative to the pack directory: the `main` of `package.json`. */
export const BUILT_ENTRY = join("bin", "index.js");
const SOURCE_ENTRY = "index.ts";

/** The pack's own TypeScript sources (not its dependencies, not its build output). */
function packSources(packDir: string): string[] {
  return readdirSync(packDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .filter((file) => !/(^|[\\/])(node_modules|bin)[\\/]/.test(file) && file !== "build.ts")
    .map((file) => join(packDir, file));
}

/** True when `bin/index.js` is missing or older than a source file (the way `make` decides). */
export function isPackStale(packDir: string): boolean {
  const built = join(packDir, BUILT_ENTRY);
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return packSources(packDir).some((file) => statSync(file).mtimeMs > builtAt);
}

/** Bundles the pack; the output appears atomically, so a pack starting meanwhile never loads half a file. */
export async function buildPack(packDir: string): Promise<void> {
  const outfile = join(packDir, BUILT_ENTRY);
  const staging = `${outfile}.${process.pid}.tmp`;
  mkdirSync(join(packDir, "bin"), { recursive: true });
  await build({
    entryPoints: [join(packDir, SOURCE_ENTRY)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    packages: "external",
    outfile: staging,
    sourcemap: "inline",
    logLevel: "error",
  });
  renameSync(staging, outfile);
}

const building = new Map<string, Promise<boolean>>();

/** Builds the pack when it is stale; resolves true when it did. One build of a directory at a time per process. */
export function ensurePackBuilt(packDir: string): Promise<boolean> {
  if (!existsSync(join(packDir, SOURCE_ENTRY)) || !existsSync(join(packDir, "build.ts"))) {
    return Promise.resolve(false); // not this project's pack layout: run it as it is
  }
  let pending = building.get(packDir);
  if (pending === undefined) {
    pending = Promise.resolve()
      .then(async () => {
        if (!isPackStale(packDir)) return false;
        await buildPack(packDir);
        return true;
      })
      .finally(() => building.delete(packDir));
    building.set(packDir, pending);
  }
  return pending;
}

if (require.main === module) {
  const packDir = __dirname;
  buildPack(packDir)
    .then(() => console.log(`policy pack built: ${relative(process.cwd(), join(packDir, BUILT_ENTRY))}`))
    .catch((error: Error) => {
      console.error(`policy pack build failed: ${error.message}`);
      process.exitCode = 1;
    });
}
