/**
 * Node's on-disk compile cache (NODE_COMPILE_CACHE, Node 22.1+) for the processes the tools start: the program
 * under the mock runtime and the policy pack load the Pulumi SDK, the providers' submodules and TypeScript's
 * parser on every run, and V8's cached code for them saves about a tenth of a CPU second per process here.
 * The cache is keyed by each file's content, so a changed file is simply compiled again.
 */
import { join } from "node:path";

export const COMPILE_CACHE_DIR = join(__dirname, "..", "node_modules", ".cache", "zerosecrets", "node-compile-cache");

/** The environment for a child process, with the compile cache on unless the caller chose a cache already. */
export function withCompileCache(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env.NODE_COMPILE_CACHE ? env : { ...env, NODE_COMPILE_CACHE: COMPILE_CACHE_DIR };
}
