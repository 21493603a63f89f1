// The STS emulator speaks the protocol @aws-sdk/client-sts speaks: the real client, with credentials
// from the SDK's container-credentials provider, gets a token whose signature verifies against the
// issuer's published JWKS, and every bad request is refused the way STS refuses it.
import { strict as assert } from "node:assert";
import { GetWebIdentityTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { ContainerCredentialsEndpoint } from "../../devtools/ecs-credentials";
import { StsEmulator } from "../../devtools/sts";

const ROLE = "arn:aws:iam::123456789012:role/sync-worker";

describe("STS emulator (GetWebIdentityToken)", () => {
  let ecs: ContainerCredentialsEndpoint;
  let sts: StsEmulator;
  let client: STSClient;

  before(async () => {
    ecs = await ContainerCredentialsEndpoint.start({ roleArn: ROLE });
    sts = await StsEmulator.start({ identities: ecs });
    client = new STSClient({
      region: "ap-southeast-2",
      endpoint: sts.endpoint,
      credentials: fromHttp({ awsContainerCredentialsFullUri: ecs.fullUri }),
    });
  });
  after(async () => {
    client.destroy();
    await sts.close();
    await ecs.close();
  });

  it("issues a JWT for the calling role, verifiable through the issuer's discovery document", async () => {
    const out = await client.send(
      new GetWebIdentityTokenCommand({
        Audience: ["api://AzureADTokenExchange"],
        SigningAlgorithm: "RS256",
        DurationSeconds: 300,
      }),
    );
    assert.ok(out.WebIdentityToken);
    const discovery = (await (await fetch(`${sts.issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    assert.equal(discovery.issuer, sts.issuer);
    const { payload, protectedHeader } = await jwtVerify(
      out.WebIdentityToken,
      createRemoteJWKSet(new URL(discovery.jwks_uri)),
      {
        issuer: sts.issuer,
        audience: "api://AzureADTokenExchange",
      },
    );
    assert.equal(payload.sub, ROLE);
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload.exp! - payload.iat!, 300);
    assert.equal(Math.round(out.Expiration!.getTime() / 1000), payload.exp);
  });

  it("signs with ES384 when asked, and names every audience", async () => {
    const out = await client.send(
      new GetWebIdentityTokenCommand({ Audience: ["a", "b"], SigningAlgorithm: "ES384", DurationSeconds: 60 }),
    );
    assert.equal(decodeProtectedHeader(out.WebIdentityToken!).alg, "ES384");
    const { payload } = await jwtVerify(
      out.WebIdentityToken!,
      createRemoteJWKSet(new URL(`${sts.issuer}/.well-known/jwks.json`)),
      { audience: "b" },
    );
    assert.deepEqual(payload.aud, ["a", "b"]);
  });

  it("follows the task role when it changes", async () => {
    ecs.roleArn = "arn:aws:iam::123456789012:role/other";
    try {
      const fresh = new STSClient({
        region: "ap-southeast-2",
        endpoint: sts.endpoint,
        credentials: fromHttp({ awsContainerCredentialsFullUri: ecs.fullUri }),
      });
      const out = await fresh.send(new GetWebIdentityTokenCommand({ Audience: ["x"], SigningAlgorithm: "RS256" }));
      assert.equal(
        JSON.parse(Buffer.from(out.WebIdentityToken!.split(".")[1], "base64url").toString()).sub,
        "arn:aws:iam::123456789012:role/other",
      );
      fresh.destroy();
    } finally {
      ecs.roleArn = ROLE;
    }
  });

  const refusals: Array<[string, ConstructorParameters<typeof GetWebIdentityTokenCommand>[0], string, RegExp]> = [
    [
      "a duration under 60 s",
      { Audience: ["x"], SigningAlgorithm: "RS256", DurationSeconds: 30 },
      "ValidationError",
      /Value '30' at 'durationSeconds'.*greater than or equal to 60/,
    ],
    [
      "a duration over 3600 s",
      { Audience: ["x"], SigningAlgorithm: "RS256", DurationSeconds: 7200 },
      "ValidationError",
      /less than or equal to 3600/,
    ],
    [
      "an unknown algorithm",
      { Audience: ["x"], SigningAlgorithm: "HS256" },
      "ValidationError",
      /Value 'HS256' at 'signingAlgorithm'.*\[RS256, ES384\]/,
    ],
    ["no audience", { Audience: [], SigningAlgorithm: "RS256" }, "ValidationError", /Value null at 'audience'/],
  ];
  for (const [what, input, code, message] of refusals) {
    it(`refuses ${what} with ${code}`, async () => {
      await assert.rejects(client.send(new GetWebIdentityTokenCommand(input)), (err: Error & { $fault?: string }) => {
        assert.equal(err.name, code);
        assert.match(err.message, message);
        assert.equal(err.$fault, "client");
        return true;
      });
    });
  }

  it("refuses credentials it did not issue, and a forged signature", async () => {
    const stranger = new STSClient({
      region: "ap-southeast-2",
      endpoint: sts.endpoint,
      credentials: { accessKeyId: "ASIA" + "Q".repeat(16), secretAccessKey: "not-issued", sessionToken: "none" },
    });
    await assert.rejects(
      stranger.send(new GetWebIdentityTokenCommand({ Audience: ["x"], SigningAlgorithm: "RS256" })),
      { name: "InvalidClientTokenId" },
    );
    stranger.destroy();

    const real = await fromHttp({ awsContainerCredentialsFullUri: ecs.fullUri })();
    const forger = new STSClient({
      region: "ap-southeast-2",
      endpoint: sts.endpoint,
      credentials: { ...real, secretAccessKey: real.secretAccessKey + "x" },
    });
    await assert.rejects(forger.send(new GetWebIdentityTokenCommand({ Audience: ["x"], SigningAlgorithm: "RS256" })), {
      name: "SignatureDoesNotMatch",
    });
    forger.destroy();
  });

  it("refuses when outbound federation is disabled on the account", async () => {
    sts.outboundFederationEnabled = false;
    try {
      await assert.rejects(
        client.send(new GetWebIdentityTokenCommand({ Audience: ["x"], SigningAlgorithm: "RS256" })),
        {
          name: "OutboundWebIdentityFederationDisabledException",
        },
      );
    } finally {
      sts.outboundFederationEnabled = true;
    }
  });
});
