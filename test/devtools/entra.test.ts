// The Entra emulator at the protocol level (raw HTTPS, trusting its run-time CA explicitly), and the
// Graph bearer validator against tokens that must not pass.
import { strict as assert } from "node:assert";
import { request } from "node:https";
import { GetWebIdentityTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import { decodeProtectedHeader, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import type { IncomingMessage } from "node:http";
import { EntraEmulator, GRAPH_RESOURCE, JWT_BEARER } from "../../devtools/entra";
import { startChain, type Chain } from "../../devtools/chain/chain-fixture";

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe("Entra emulator (token endpoint protocol) and Graph bearer validation", () => {
  let chain: Chain;
  let sts: STSClient;

  before(async () => {
    chain = await startChain({ graphAppRoles: ["Sites.Selected"], accessTokenLifetimeSeconds: 120 });
    sts = new STSClient({
      region: chain.region,
      endpoint: chain.sts.endpoint,
      credentials: fromHttp({ awsContainerCredentialsFullUri: chain.ecs.fullUri }),
    });
  });
  after(async () => {
    sts.destroy();
    await chain.close();
  });

  const call = (method: "GET" | "POST", path: string, form?: Record<string, string>): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const body = form ? new URLSearchParams(form).toString() : undefined;
      const req = request(
        `${chain.entra.authorityHost}${path}`,
        { method, ca: chain.entra.caPem, headers: body ? { "content-type": "application/x-www-form-urlencoded" } : {} },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const assertion = async () =>
    (
      await sts.send(
        new GetWebIdentityTokenCommand({
          Audience: ["api://AzureADTokenExchange"],
          SigningAlgorithm: "RS256",
          DurationSeconds: 300,
        }),
      )
    ).WebIdentityToken!;

  const tokenRequest = async (overrides: Record<string, string | undefined> = {}) => {
    const form: Record<string, string | undefined> = {
      grant_type: "client_credentials",
      client_id: chain.app.clientId,
      scope: `${GRAPH_RESOURCE}/.default`,
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertion(),
      ...overrides,
    };
    return call(
      "POST",
      `/${chain.tenantId}/oauth2/v2.0/token`,
      Object.fromEntries(Object.entries(form).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
  };

  const assertAadsts = (reply: Reply, status: number, error: string, code: number, message: RegExp) => {
    assert.equal(reply.status, status);
    assert.equal(reply.body.error, error);
    assert.deepEqual(reply.body.error_codes, [code]);
    assert.match(
      String(reply.body.error_description),
      new RegExp(
        `^AADSTS${code}: .*${message.source}[^]*\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: `,
      ),
    );
    assert.equal(reply.body.error_uri, `${chain.entra.authorityHost}/error?code=${code}`);
  };

  it("serves the v2.0 discovery document MSAL reads, naming its token endpoint, issuer and keys", async () => {
    const { status, body } = await call("GET", `/${chain.tenantId}/v2.0/.well-known/openid-configuration`);
    assert.equal(status, 200);
    assert.equal(body.token_endpoint, `${chain.entra.authorityHost}/${chain.tenantId}/oauth2/v2.0/token`);
    assert.equal(body.issuer, chain.entra.issuer);
    assert.equal(body.jwks_uri, chain.entra.jwksUri);
  });

  it("issues a Graph token signed by a published key, with the app's roles and the configured lifetime", async () => {
    const { status, body } = await tokenRequest();
    assert.equal(status, 200);
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 120);
    const jwks = (await call("GET", `/${chain.tenantId}/discovery/v2.0/keys`)).body as { keys: Array<{ kid: string }> };
    assert.ok(jwks.keys.some((k) => k.kid === decodeProtectedHeader(String(body.access_token)).kid));
    const claims = JSON.parse(Buffer.from(String(body.access_token).split(".")[1], "base64url").toString());
    assert.equal(claims.aud, GRAPH_RESOURCE);
    assert.equal(claims.iss, chain.entra.issuer);
    assert.deepEqual(claims.roles, ["Sites.Selected"]);
    assert.equal(claims.appid, chain.app.clientId);
    assert.equal(claims.exp - claims.iat, 120);
  });

  it("refuses malformed requests with Entra's codes", async () => {
    assertAadsts(
      await call("GET", `/not-a-tenant/v2.0/.well-known/openid-configuration`),
      400,
      "invalid_request",
      90002,
      /Tenant 'not-a-tenant' not found/,
    );
    assertAadsts(
      await tokenRequest({ grant_type: undefined }),
      400,
      "invalid_request",
      900144,
      /The request body must contain the following parameter: 'grant_type'\./,
    );
    assertAadsts(
      await tokenRequest({ client_id: "00000000-0000-0000-0000-000000000000" }),
      400,
      "unauthorized_client",
      700016,
      /Application with identifier '0{8}-0{4}-0{4}-0{4}-0{12}' was not found/,
    );
    assertAadsts(
      await tokenRequest({ client_assertion: undefined }),
      401,
      "invalid_client",
      7000218,
      /The request body must contain the following parameter: 'client_assertion' or 'client_secret'/,
    );
    assertAadsts(
      await tokenRequest({ scope: `${GRAPH_RESOURCE}/Sites.Read.All` }),
      400,
      "invalid_scope",
      1002012,
      /Client credential flows must have a scope value with \/\.default/,
    );
    assertAadsts(
      await tokenRequest({ scope: "https://management.azure.com/.default" }),
      400,
      "invalid_resource",
      500011,
      /The resource principal named https:\/\/management\.azure\.com was not found/,
    );
    assertAadsts(
      await tokenRequest({ client_assertion: "not.a.jwt" }),
      400,
      "invalid_request",
      50027,
      /JWT token is invalid or malformed\./,
    );
  });

  it("refuses a client secret outright: apps in this stack have none", async () => {
    assertAadsts(
      await tokenRequest({
        client_assertion: undefined,
        client_assertion_type: undefined,
        client_secret: "x".repeat(8),
      }),
      401,
      "invalid_client",
      7000215,
      /Invalid client secret provided/,
    );
  });

  it("refuses an assertion signed by a key the issuer does not publish", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      iss: chain.sts.issuer,
      sub: chain.app.federatedCredentials[0].subject,
      aud: "api://AzureADTokenExchange",
      iat: now,
      exp: now + 300,
    })
      .setProtectedHeader({ alg: "RS256", kid: chain.sts.keys.currentKid("RS256") })
      .sign(privateKey);
    assertAadsts(
      await tokenRequest({ client_assertion: forged }),
      401,
      "invalid_client",
      700027,
      /Client assertion failed signature validation\./,
    );
  });

  it("refuses an issuer whose discovery document cannot be fetched, and an assertion without an expiry", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const unreachable = "http://127.0.0.1:9/no-such-issuer";
    chain.app.federatedCredentials.push({
      name: "unreachable",
      issuer: unreachable,
      subject: "s",
      audiences: ["api://AzureADTokenExchange"],
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        iss: unreachable,
        sub: "s",
        aud: "api://AzureADTokenExchange",
        iat: now,
        exp: now + 300,
      })
        .setProtectedHeader({ alg: "RS256", kid: "k" })
        .sign(privateKey);
      assertAadsts(
        await tokenRequest({ client_assertion: token }),
        400,
        "invalid_request",
        50166,
        /Request to External OIDC endpoint failed\. Issuer: 'http:\/\/127\.0\.0\.1:9\/no-such-issuer'/,
      );
    } finally {
      chain.app.federatedCredentials.pop();
    }
    const noExpiry = await chain.sts.keys.sign({
      iss: chain.sts.issuer,
      sub: chain.app.federatedCredentials[0].subject,
      aud: "api://AzureADTokenExchange",
      iat: Math.floor(Date.now() / 1000),
    });
    assertAadsts(
      await tokenRequest({ client_assertion: noExpiry }),
      400,
      "invalid_request",
      50027,
      /JWT token is invalid or malformed\./,
    );
  });

  it("rotates its signing key: both keys published, or only the new one after an emergency rotation", async () => {
    const keys = async () =>
      ((await call("GET", `/${chain.tenantId}/discovery/v2.0/keys`)).body as { keys: Array<{ kid: string }> }).keys.map(
        (k) => k.kid,
      );
    const before = await keys();
    const [fresh] = await chain.entra.rotateSigningKey();
    assert.deepEqual(await keys(), [...before, fresh]);
    const [emergency] = await chain.entra.rotateSigningKey({ retirePrevious: true });
    assert.deepEqual(await keys(), [emergency]);
  });

  it("listens on loopback only", async () => {
    await assert.rejects(
      EntraEmulator.start({ tenantId: "t", applications: [], host: "0.0.0.0" }),
      /loopback only; got host "0\.0\.0\.0"/,
    );
  });

  describe("Graph bearer validation", () => {
    const authorise = (authorization?: string) =>
      chain.authorise({ headers: authorization ? { authorization } : {} } as IncomingMessage);
    const graphToken = async (claims: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return chain.entra.keys.sign({
        aud: GRAPH_RESOURCE,
        iss: chain.entra.issuer,
        iat: now,
        exp: now + 60,
        roles: ["Sites.Selected"],
        ...claims,
      });
    };
    const refusal = async (authorization: string | undefined, status: number, code: string, message: RegExp) => {
      const result = (await authorise(authorization)) as {
        status: number;
        body: { error: { code: string; message: string; innerError: object } };
      };
      assert.ok(result, "the request was let through");
      assert.equal(result.status, status);
      assert.equal(result.body.error.code, code);
      assert.match(result.body.error.message, message);
      assert.ok(result.body.error.innerError);
    };

    it("lets a valid token through", async () => {
      assert.equal(await authorise(`Bearer ${await graphToken()}`), undefined);
      assert.equal(
        await authorise(`Bearer ${await graphToken({ roles: undefined, scp: "Files.Read.All User.Read" })}`),
        undefined,
        "a delegated token with a library scope",
      );
    });
    it("refuses a missing token", () =>
      refusal(undefined, 401, "InvalidAuthenticationToken", /^Access token is empty\.$/));
    it("refuses an expired token", async () =>
      refusal(
        `Bearer ${await graphToken({ exp: Math.floor(Date.now() / 1000) - 10 })}`,
        401,
        "InvalidAuthenticationToken",
        /Lifetime validation failed, the token is expired\./,
      ));
    it("refuses a token for another audience", async () =>
      refusal(
        `Bearer ${await graphToken({ aud: "https://management.azure.com" })}`,
        401,
        "InvalidAuthenticationToken",
        /Invalid audience/,
      ));
    it("refuses a token from another issuer", async () =>
      refusal(
        `Bearer ${await graphToken({ iss: "https://login.microsoftonline.com/other/v2.0" })}`,
        401,
        "InvalidAuthenticationToken",
        /Invalid issuer/,
      ));
    it("refuses an unsigned (alg none) token", async () => {
      const unsigned = new UnsecuredJWT({ aud: GRAPH_RESOURCE, iss: chain.entra.issuer, roles: ["Sites.Selected"] })
        .setIssuedAt()
        .setExpirationTime("1m")
        .encode();
      await refusal(
        `Bearer ${unsigned}`,
        401,
        "InvalidAuthenticationToken",
        /algorithm is not allowed|not well formed/,
      );
    });
    it("refuses a token with neither roles nor scp, and one whose roles cannot read libraries", async () => {
      await refusal(
        `Bearer ${await graphToken({ roles: undefined })}`,
        401,
        "InvalidAuthenticationToken",
        /Either scp or roles claim need to be present in the token\./,
      );
      await refusal(`Bearer ${await graphToken({ roles: ["User.Read.All"] })}`, 403, "accessDenied", /^Access denied$/);
    });
  });
});
