// The emulator hashes with the worker's QuickXorHash (one implementation; it is checked against
// Microsoft's published test vectors in test/devtools/graph/quick-xor-hash.test.ts).
export { QuickXorHash } from "../../worker/src/content/quick-xor-hash";
