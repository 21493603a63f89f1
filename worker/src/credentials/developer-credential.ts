// The laptop path: DefaultAzureCredential, which finds `az login` (or azd, PowerShell, VS Code).
// Set AZURE_TOKEN_CREDENTIALS=dev to skip its managed-identity probe on a developer machine.
import { DefaultAzureCredential, type AccessToken, type GetTokenOptions, type TokenCredential } from "@azure/identity";
import { GraphCredentialError } from "./errors";
import { assertHasGraphPermission } from "./graph-permission";

export class DeveloperGraphCredential implements TokenCredential {
  private readonly inner: DefaultAzureCredential;

  constructor(
    private readonly tenantId: string,
    authority: { authorityHost: string; disableInstanceDiscovery: boolean },
  ) {
    this.inner = new DefaultAzureCredential({ tenantId, ...authority });
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    let token: AccessToken;
    try {
      token = await this.inner.getToken(scopes, options);
    } catch (err) {
      throw new GraphCredentialError(
        "developer-sign-in",
        `No developer sign-in was found for tenant ${this.tenantId}: run \`az login --tenant ${this.tenantId}\` (or set AWS_CONTAINER_CREDENTIALS_FULL_URI to use the federated path). (${(err as Error).message.split("\n")[0]})`,
        undefined,
        { cause: err },
      );
    }
    assertHasGraphPermission(token.token, "the signed-in developer (Azure CLI)");
    return token;
  }
}
