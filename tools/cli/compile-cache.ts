/**
 * Imported first by the CLI entry files: turns on Node's on-disk compile cache for this process (the same cache
 * the child processes use, `tools/compile-cache.ts`), so the tools, the Pulumi SDK and gRPC are not compiled from
 * source on every run. `module.enableCompileCache` exists from Node 22.8; older versions run without it.
 */
import * as nodeModule from "node:module";
import { COMPILE_CACHE_DIR } from "../compile-cache";

const enable = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
if (!process.env.NODE_COMPILE_CACHE) enable?.(COMPILE_CACHE_DIR);
