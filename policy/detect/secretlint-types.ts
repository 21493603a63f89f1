/**
 * The slice of secretlint's rule and result types this pack uses. @secretlint/types is ESM-only;
 * importing its types from this CommonJS pack needs resolution-mode tricks under the engine's
 * ts-node (module nodenext), so the few shapes are restated here (checked against 11.x).
 */
export interface SecretlintSource {
  content: string;
  filePath?: string;
}
export interface SecretlintContext {
  createTranslator(messages: any): (messageId: string, data: Record<string, unknown>) => any;
  report(descriptor: { message: unknown; range: readonly [number, number] }): void;
}
export interface SecretlintRule {
  messages: Record<string, { en: (props: Record<string, unknown>) => string }>;
  meta: { id: string; recommended: boolean; type: "scanner"; supportedContentTypes: ["text"]; docs: { url: string } };
  create(context: SecretlintContext, options: Record<string, unknown>): { file(source: SecretlintSource): void };
}
export interface SecretlintMessage {
  ruleId: string;
  messageId: string;
  /** Contains the matched value unless maskSecrets is on. */
  message: string;
  range: readonly [number, number];
  loc: { start: { line: number; column: number } };
}
