/**
 * Masks secret values before anything is written or printed: the paths the Pulumi runtime marked secret, then every
 * value the policy pack's own detector reports (policy/detect/mask.ts: the same expansion and detector run the
 * pack's rules judge, so masker and detector cannot disagree). Strings holding JSON (container definitions,
 * policies) are masked inside, so the rest stays readable.
 */
import { maskDetectedSecrets } from "../../policy/detect/mask";
import { SECRET_MARK } from "./plan-file";
import { parsePath, type PathSegment } from "./property-path";

/** Sets the value at `path` to the mark; a path that runs into a string (JSON the runtime saw as one value) masks that string. */
function maskAt(root: unknown, path: PathSegment[]): void {
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== "object" || !(path[i] in node)) return;
    const next = node[path[i]];
    if (i === path.length - 1 || next === null || typeof next !== "object") {
      node[path[i]] = SECRET_MARK;
      return;
    }
    node = next as Record<string | number, unknown>;
  }
}

export async function maskInputs(
  inputs: Record<string, unknown>,
  secretPaths: string[] = [],
): Promise<Record<string, unknown>> {
  const tree = structuredClone(inputs);
  for (const path of secretPaths) maskAt(tree, parsePath(path));
  return (await maskDetectedSecrets(tree, SECRET_MARK)).masked;
}
