/**
 * A temporary directory per suite, outside the repository (suites no longer write under `.local/`, where runs
 * and people's own plans would collide), removed when the suite ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Call at the top of a `describe`: the directory exists from `before` to `after`. */
export function suiteTempDir(prefix: string): { readonly path: string } {
  const holder = { path: "" };
  before(() => {
    holder.path = mkdtempSync(join(tmpdir(), `zerosecrets-${prefix}-`));
  });
  after(() => rmSync(holder.path, { recursive: true, force: true }));
  return holder;
}
