// The production path: Entra client credentials with a client assertion that is the task role's
// web identity token (no secret exists anywhere). Wraps ClientAssertionCredential so that every
// refusal says what to fix, and checks each new Graph token for a permission claim.
import {
  ClientAssertionCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from "@azure/identity";
import { explainEntraFailure } from "./explain-entra";
import { assertHasGraphPermission } from "./graph-permission";
import { WebIdentityAssertion } from "./web-identity-assertion";

export class FederatedGraphCredential implements TokenCredential {
  private readonly inner: ClientAssertionCredential;
  private lastChecked?: string;

  constructor(
    private readonly tenantId: string,
    private readonly clientId: string,
    readonly assertion: WebIdentityAssertion,
    authority: { authorityHost: string; disableInstanceDiscovery: boolean },
  ) {
    this.inner = new ClientAssertionCredential(tenantId, clientId, assertion.get, authority);
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    let token: AccessToken;
    try {
      token = await this.inner.getToken(scopes, options);
    } catch (err) {
      throw explainEntraFailure(err, {
        tenantId: this.tenantId,
        clientId: this.clientId,
        assertion: this.assertion.lastClaims,
      });
    }
    if (token.token !== this.lastChecked) {
      assertHasGraphPermission(token.token, this.clientId);
      this.lastChecked = token.token;
    }
    return token;
  }
}
