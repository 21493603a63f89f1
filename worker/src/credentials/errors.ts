// One error type for every way the Graph credential chain can fail, each with a message that says
// what to change (in the stack, the task definition or the developer's sign-in), not just what broke.
export type GraphCredentialFailure =
  | "configuration"
  | "static-credential"
  | "aws-credentials"
  | "web-identity-token"
  | "federated-credential"
  | "app-registration"
  | "graph-permission"
  | "developer-sign-in"
  | "unknown";

export class GraphCredentialError extends Error {
  override readonly name = "GraphCredentialError";
  constructor(
    readonly failure: GraphCredentialFailure,
    message: string,
    /** The AADSTS or STS error code behind it, when there is one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
