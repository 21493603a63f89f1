/**
 * Credential-shaped values, generated at run time so that no credential-shaped literal ever sits
 * in the repository (it must pass its own secret scan). Each mimics the published format closely
 * enough for the detectors that recognise it.
 */
import { generateKeyPairSync, randomInt } from "node:crypto";
import { CheckedResource, Rule, RuleConfig } from "../../policy/lib/rule";

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";

function pick(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

export const fake = {
  /** `AKIA` + 16 base32 characters. */
  awsAccessKeyId: () => "AKIA" + pick(UPPER + "234567", 16),
  /** 40 characters of base64 alphabet. */
  awsSecretAccessKey: () => pick(UPPER + LOWER + DIGITS + "/+", 40),
  /** Entra client secret: 3 characters, a digit, `Q~`, 34 more (gitleaks' azure-ad-client-secret shape). */
  entraClientSecret: () =>
    pick(LOWER + UPPER + DIGITS, 3) + pick(DIGITS, 1) + "Q" + "~" + pick(LOWER + UPPER + DIGITS + "_~.-", 34),
  /** GitHub personal access token (classic). */
  githubToken: () => "gh" + "p_" + pick(LOWER + UPPER + DIGITS, 36),
  /** A real PKCS#8 PEM private key, generated now. */
  privateKeyPem: () =>
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  /** Public identifiers that must NOT be flagged. */
  guid: () => [8, 4, 4, 4, 12].map((n) => pick("0123456789abcdef", n)).join("-"),
  accountId: () => pick("123456789", 1) + pick(DIGITS, 11),
};

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:dev::zero-secrets::${type}::${name}`;
}

export function resource(type: string, name: string, props: Record<string, unknown>): CheckedResource {
  return { type, name, urn: urnOf(type, name), props };
}

/** Runs one rule's check the way the pack does, minus the gRPC (covered by gate.test.ts). */
export async function check<C extends RuleConfig>(
  rule: Rule<C>,
  type: string,
  props: Record<string, unknown>,
  config = {} as C,
): Promise<string[]> {
  return rule.check(resource(type, "r", props), config);
}
