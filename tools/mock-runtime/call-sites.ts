/**
 * Where in the program a provider function was called. The SDK sends an invoke to the resource monitor several
 * awaits after the program's call, by which time the program's frames are gone, so the SDK's invoke entry points
 * are wrapped to note the caller's position (and the resource passed as `parent`) when the program calls them.
 */
import { realpathSync } from "node:fs";
import { sep } from "node:path";
import type { SourcePosition } from "../resource-snapshot";

export interface CallSite extends Partial<SourcePosition> {
  /** The logical name of the resource given as `parent` (or the one whose provider was used), when there is one. */
  parentName?: string;
}

const FRAME = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?$/;
const OWN_DIRECTORY = realpathSync(__dirname);

/** The first stack frame in the program's own code: not in node_modules, not in Node itself, not in this runtime. */
export function programFrame(stack: string | undefined): SourcePosition | undefined {
  for (const line of (stack ?? "").split("\n").slice(1)) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const file = match[1]!.replace(/^file:\/\//, "");
    if (file.startsWith("node:") || file.includes(`${sep}node_modules${sep}`) || file.startsWith(OWN_DIRECTORY))
      continue;
    return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

export function describeSite(site: CallSite | undefined, relativeTo: (file: string) => string): string {
  if (!site?.file) return site?.parentName ? `under resource "${site.parentName}"` : "at an unknown place";
  const where = `${relativeTo(site.file)}:${site.line}:${site.column}`;
  return site.parentName ? `${where}, under resource "${site.parentName}"` : where;
}

type InvokeFunction = (token: string, props: unknown, opts?: { parent?: unknown; provider?: unknown }) => unknown;

/**
 * Wraps the SDK's invoke functions (`invoke`, `invokeOutput`, `invokeSingle`, `invokeSingleOutput`) in the SDK
 * copy the program uses: on `pulumi.runtime`, where provider SDKs call them (`pulumi.runtime.invoke(...)`; the
 * namespace holds copies, not live bindings, so it is patched itself). Returns a queue per token: the mock's
 * `call` takes the oldest site for its token.
 */
export function captureCallSites(runtimeNamespace: Record<string, unknown>): {
  take(token: string): CallSite | undefined;
} {
  const pending = new Map<string, CallSite[]>();
  for (const name of ["invoke", "invokeOutput", "invokeSingle", "invokeSingleOutput"]) {
    const original = runtimeNamespace[name];
    if (typeof original !== "function") continue;
    runtimeNamespace[name] = function (this: unknown, ...args: Parameters<InvokeFunction>) {
      const [token, , opts] = args;
      const owner = (opts?.parent ?? opts?.provider) as { __name?: unknown } | undefined;
      const site: CallSite = {
        ...programFrame(new Error().stack),
        ...(typeof owner?.__name === "string" ? { parentName: owner.__name } : {}),
      };
      pending.set(token, [...(pending.get(token) ?? []), site]);
      return (original as InvokeFunction).apply(this, args);
    };
  }
  return {
    take(token) {
      const queue = pending.get(token);
      return queue?.shift();
    },
  };
}
