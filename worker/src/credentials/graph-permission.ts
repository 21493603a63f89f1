// Entra issues a Graph token even when the app holds no Graph permission; Graph then refuses every
// call. Checking the token's permission claims once, when it arrives, turns that into one message
// that names the app and the grant to add. (Clients should not rely on access-token contents for
// anything else; this is a diagnostic, and Graph remains the authority.)
import { GraphCredentialError } from "./errors";

export const LIBRARY_READ_PERMISSIONS = "Sites.Selected (plus a read grant on the site) or Files.Read.All";

export function assertHasGraphPermission(accessToken: string, clientId: string): void {
  let claims: { roles?: unknown; scp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString("utf8"));
  } catch {
    return; // not a JWT (opaque token): leave the decision to Graph
  }
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  if (roles.length === 0 && !claims.scp) {
    throw new GraphCredentialError(
      "graph-permission",
      `Entra issued a Graph token for app registration ${clientId} without any Graph application permission, so Graph will refuse it. ` +
        `Grant the app the Microsoft Graph application permission ${LIBRARY_READ_PERMISSIONS} with admin consent in the stack.`,
    );
  }
}

/** What a 401/403 from Graph means for this worker's credential (for the Graph client to log). */
export function explainGraphRefusal(status: number, body: unknown, clientId: string): string {
  const error = (body as { error?: { code?: string; message?: string } })?.error;
  const said = `Graph said ${status} ${error?.code ?? ""}: ${error?.message ?? ""}`.trim();
  if (status === 403) {
    return (
      `App registration ${clientId} lacks a Graph permission on this library: grant ${LIBRARY_READ_PERMISSIONS} in the stack. ` +
      `With Sites.Selected, a SharePoint administrator must also grant the app the site: run the bootstrap project (docs/operations.md, "Granting site access"). (${said})`
    );
  }
  return `Graph did not accept the access token for app registration ${clientId} (expired, wrong audience or unknown signing key); the credential fetches a new one on the next call. (${said})`;
}
