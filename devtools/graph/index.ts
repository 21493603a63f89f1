// The Microsoft Graph driveItem delta emulator: the contract the worker's tests, benches and local
// run build on. See docs/graph-emulator.md.
export { GraphEmulator, type GraphEmulatorOptions, type AuthoriseHook } from "./emulator";
export type { Library, ExpectedFile, GenerateOptions } from "./library";
export type { GeneratedContent, HashName } from "./content";
export type { Faults, ResyncCode } from "./faults";
export type { EmulatorStats } from "./stats";
export { MAX_PAGE_SIZE } from "./delta-route";
export { KEPT_ENTRIES, KEPT_ROUNDS } from "./delta";
