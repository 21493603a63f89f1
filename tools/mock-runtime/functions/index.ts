/**
 * Answers a provider function (an invoke) the way `pulumi preview` would see it answered:
 * - pure functions are computed for real (`aws.iam.getPolicyDocument` builds the document);
 * - functions about the caller and its location answer from the stack's provider configuration;
 * - functions that return a credential answer with credential-shaped values, marked secret and followed;
 * - functions that read live state answer with placeholders shaped by the SDK's declared result type;
 * - anything else is refused with a message naming the function, where the program called it and what to do.
 */
import type { MockEnvironment } from "../environment";
import { placeholderFor } from "../placeholders";
import { functionResultShape, installedVersion, locateToken, type PackageResolver } from "../sdk-shapes";
import { getPolicyDocument, type PolicyDocumentArgs } from "./aws-policy-document";
import { CONTEXT_FUNCTIONS, WELL_KNOWN_FUNCTIONS } from "./context";
import { credentialAnswer, isCredentialFunction } from "./credentials";

/** How a call was answered, for the plan's summary and the gate's messages. */
export type AnswerKind = "computed" | "configuration" | "well-known" | "credential" | "placeholder";

export interface CallAnswer {
  kind: AnswerKind;
  result: Record<string, unknown>;
  /** Credential values in `result` (kind "credential"): followed into whatever the program builds from them. */
  credentials: string[];
}

const PURE_FUNCTIONS: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => getPolicyDocument(inputs as PolicyDocumentArgs),
};

/** A function the gate cannot answer; the message says which, from where, and what to do. */
export class UnanswerableCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnanswerableCallError";
  }
}

export function answerCall(
  token: string,
  inputs: Record<string, unknown>,
  env: MockEnvironment,
  resolve: PackageResolver,
): CallAnswer {
  const pure = PURE_FUNCTIONS[token];
  if (pure) return { kind: "computed", result: pure(inputs), credentials: [] };
  const context = CONTEXT_FUNCTIONS[token];
  if (context) return { kind: "configuration", result: context(env, inputs), credentials: [] };
  const wellKnown = WELL_KNOWN_FUNCTIONS[token];
  if (wellKnown) return { kind: "well-known", result: wellKnown(env, inputs), credentials: [] };
  const shape = functionResultShape(token, resolve);
  if (isCredentialFunction(token)) {
    const answer = credentialAnswer(token, env, inputs, shape?.shape);
    if (answer.credentials.length > 0) return { kind: "credential", ...answer };
  }
  if (shape) {
    const seed = `${token}\u0000${JSON.stringify(inputs)}`;
    const result = placeholderFor(shape.shape, [], { env, token, seed, inputs }) as Record<string, unknown>;
    // Echo what the program asked for (`getVpc({ id })` returns that id), as the provider does.
    for (const [key, value] of Object.entries(inputs)) if (key in result && value !== undefined) result[key] = value;
    return { kind: "placeholder", result, credentials: [] };
  }
  throw new UnanswerableCallError(unanswerableMessage(token, resolve));
}

function unanswerableMessage(token: string, resolve: PackageResolver): string {
  const location = locateToken(token);
  if (!location) return `provider function "${token}" is not a Pulumi function token (package:module:member)`;
  const installed = installedVersion(token, resolve);
  if (!installed) {
    return `provider function ${token} comes from ${location.packageName}, which is not installed where the program or this checkout can load it: run \`npm install\` in the program's directory`;
  }
  return `provider function ${token} is not declared by the installed ${installed.name} ${installed.version} (no ${location.member} result type): the program was probably written for another version; install the version its package.json names (\`npm install\` in the program's directory)`;
}
