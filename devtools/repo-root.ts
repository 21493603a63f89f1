/** The repository's root directory, for specs, harnesses and benches that read files by path. */
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..");
