/**
 * A secretlint rule for Entra ID (Azure AD) application client secrets, which the recommended
 * preset does not know. Pattern after gitleaks' published `azure-ad-client-secret` rule: three
 * characters, a digit, `Q~`, then 31-34 characters, bounded by quotes, whitespace or punctuation;
 * gitleaks also requires a Shannon entropy of at least 3 bits per character to skip placeholders.
 */
import { SecretlintRule } from "./secretlint-types";

export const ENTRA_CLIENT_SECRET_RULE_ID = "zerosecrets/entra-client-secret";

const pattern = /(?:^|[\\'"`\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'"`\s<),])/gm;
const MIN_ENTROPY = 3;

export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export const entraClientSecretRule: SecretlintRule = {
  messages: { EntraClientSecret: { en: () => "found an Entra ID application client secret" } },
  meta: {
    id: ENTRA_CLIENT_SECRET_RULE_ID,
    recommended: true,
    type: "scanner",
    supportedContentTypes: ["text"],
    docs: { url: "https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/azure.go" },
  },
  create(context) {
    const t = context.createTranslator(this.messages);
    return {
      file(source) {
        for (const match of source.content.matchAll(pattern)) {
          const secret = match[1];
          if (shannonEntropy(secret) < MIN_ENTROPY) continue;
          const start = (match.index ?? 0) + match[0].indexOf(secret);
          context.report({ message: t("EntraClientSecret", {}), range: [start, start + secret.length] });
        }
      },
    };
  },
};
