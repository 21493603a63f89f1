/**
 * Values derived from a seed (a resource's type and name, a function's token and arguments): two runs of the same
 * program give the same IDs, names and keys, which keeps plan files byte-identical and plan diffs quiet.
 */
import { createHash } from "node:crypto";

export function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** `length` lower-case hex characters. */
export function stableHex(length: number, ...seed: string[]): string {
  let hex = "";
  for (let round = 0; hex.length < length; round++) hex += digest(String(round), ...seed);
  return hex.slice(0, length);
}

/** A GUID derived from the seed (version-4 shaped). */
export function stableGuid(...seed: string[]): string {
  const h = digest(...seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `bytes` of base64, as storage account keys and registry tokens are shaped. */
export function stableBase64(bytes: number, ...seed: string[]): string {
  return Buffer.from(stableHex(bytes * 2, ...seed), "hex").toString("base64");
}

/** Pulumi's auto-naming: the logical name plus a 7-character random suffix. */
export function physicalName(name: string, type: string): string {
  return `${name}-${digest(type, name).slice(0, 7)}`;
}
