/**
 * A secretlint rule for credentials inside composite strings that the recommended preset does not know:
 *
 * - Azure Storage and Service Bus / Event Hubs connection strings: `AccountKey=<base64>` and
 *   `SharedAccessKey=<base64>` ("Configure Azure Storage connection strings", "Service Bus access control with Shared
 *   Access Signatures", Microsoft Learn); the standard Functions setting `AzureWebJobsStorage` holds one;
 * - shared access signature tokens: a `sig=` signature beside the `sv=` service version
 *   ("Create a service SAS", Microsoft Learn);
 * - ADO.NET-style database connection strings with a password (`Server=...;Password=...`), which the preset's
 *   URL-shaped database rule does not read.
 *
 * Only the secret part's range is reported; the message never holds it.
 */
import { SecretlintRule } from "./secretlint-types";

export const AZURE_CONNECTION_STRING_RULE_ID = "zerosecrets/azure-connection-string";

const PATTERNS: Array<{ id: string; message: string; pattern: RegExp }> = [
  {
    id: "AccountKey",
    message: "found an Azure Storage account key in a connection string (AccountKey=)",
    pattern: /(?:^|[;"'\s])AccountKey=([A-Za-z0-9+/]{40,}={0,2})/gi,
  },
  {
    id: "SharedAccessKey",
    message: "found an Azure shared access key in a connection string (SharedAccessKey=)",
    pattern: /(?:^|[;"'\s])SharedAccessKey=([A-Za-z0-9+/]{20,}={0,2})/gi,
  },
  {
    id: "SasSignature",
    message: "found an Azure shared access signature (SAS token)",
    pattern:
      /[?&]sv=\d{4}-\d{2}-\d{2}[^\s"'<>]*?[&?]sig=([A-Za-z0-9%+/=]{20,})|[?&]sig=([A-Za-z0-9%+/=]{20,})[^\s"'<>]*?[&?]sv=\d{4}-\d{2}-\d{2}/gi,
  },
  {
    id: "ConnectionStringPassword",
    message: "found a password in a database connection string (Password=)",
    pattern: /(?:Server|Data Source|Host)=[^;]+;(?:[^;]*;)*?\s*(?:Password|Pwd)=([^;'"\s]{4,})/gi,
  },
];

export const azureCredentialRule: SecretlintRule = {
  messages: Object.fromEntries(PATTERNS.map((p) => [p.id, { en: () => p.message }])),
  meta: {
    id: AZURE_CONNECTION_STRING_RULE_ID,
    recommended: true,
    type: "scanner",
    supportedContentTypes: ["text"],
    docs: { url: "https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string" },
  },
  create(context) {
    const t = context.createTranslator(this.messages);
    return {
      file(source) {
        for (const { id, pattern } of PATTERNS) {
          for (const match of source.content.matchAll(pattern)) {
            const secret = match[1] ?? match[2];
            if (!secret) continue;
            const start = (match.index ?? 0) + match[0].indexOf(secret);
            context.report({ message: t(id, {}), range: [start, start + secret.length] });
          }
        }
      },
    };
  },
};
