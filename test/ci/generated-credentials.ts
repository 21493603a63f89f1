/**
 * Credential-shaped values for the CI-gate tests, assembled at run time so the repository never holds one
 * (and passes its own secret scan). Random each run: a test that passes must not depend on a particular value.
 */
import { randomBytes, randomInt } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ENTRA_SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.-";

function pick(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** An IAM access key ID: `AKIA` + 16 base32 characters. */
export function awsAccessKeyId(): string {
  return "AKIA" + pick(BASE32, 16);
}

/** An IAM secret access key: 40 base64 characters. */
export function awsSecretAccessKey(): string {
  return randomBytes(30).toString("base64");
}

/** An Entra application password in the current format: 3 characters, a digit, `Q~`, 34 more. */
export function entraClientSecret(): string {
  return pick("abcdefghijklmnopqrstuvwxyz0123456789", 3) + String(randomInt(10)) + "Q" + "~" + pick(ENTRA_SECRET_ALPHABET.replace("-", ""), 34);
}
