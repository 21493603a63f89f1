// A copy of the Pulumi program that runs on its own (under the mock runtime from another directory): the files the
// program's entry point reaches. One list, so a new import of the program is added once for every test that copies
// it. Stack files are the caller's to copy or write.
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-root";

/** What `index.ts` imports, beyond npm packages: the components, the pack's evaluator, the worker contract. */
export const PROGRAM_FILES: readonly string[] = [
  "Pulumi.yaml",
  "index.ts",
  "components",
  // The components judge their own trust with the pack's evaluator (policy/iam reads policy/lib/values.ts).
  "policy/iam",
  "policy/lib/values.ts",
  // The contracts the program shares with the worker (the program imports them from the worker's tree).
  "worker/src/contract",
];

/** Copies the program (and `extra` files, such as stack files) from the repository into `dest`. */
export function copyProgram(dest: string, extra: readonly string[] = []): void {
  for (const item of [...PROGRAM_FILES, ...extra]) {
    if (existsSync(join(REPO_ROOT, item))) cpSync(join(REPO_ROOT, item), join(dest, item), { recursive: true });
  }
}
