// The credential's decisions and messages, in process: which path it takes, what it refuses, how it
// reads Entra's and STS's refusals, and that the web identity token is cached and shared.
import { strict as assert } from "node:assert";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import {
  createGraphCredential,
  DeveloperGraphCredential,
  explainGraphRefusal,
  FederatedGraphCredential,
  forgetProcessCredential,
  GraphCredentialError,
} from "../../../worker/src/credentials";
import { explainEntraFailure } from "../../../worker/src/credentials/explain-entra";
import { detectRuntime, resolveAuthority } from "../../../worker/src/credentials/runtime";
import { WebIdentityAssertion } from "../../../worker/src/credentials/web-identity-assertion";
import { ContainerCredentialsEndpoint } from "../../../devtools/ecs-credentials";
import { StsEmulator } from "../../../devtools/sts";
import { TASK_ROLE_ARN } from "../../../devtools/chain/chain-fixture";

const settings = {
  mode: "auto" as const,
  tenantId: "7f4d6c2e-0000-4000-8000-000000000001",
  clientId: "7f4d6c2e-0000-4000-8000-000000000002",
  awsRegion: "ap-southeast-2",
};

describe("Graph credential: choice of path, refusals and messages", () => {
  afterEach(() => forgetProcessCredential());

  it("takes the federated path wherever the AWS SDK would find a role without keys, and the developer path elsewhere", () => {
    assert.equal(detectRuntime({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" }), "aws");
    assert.equal(detectRuntime({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/x" }), "aws");
    assert.equal(detectRuntime({ AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token", AWS_ROLE_ARN: TASK_ROLE_ARN }), "aws");
    assert.equal(detectRuntime({ AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" }), "developer");
    assert.equal(detectRuntime({ AWS_PROFILE: "dev" }), "developer");
    assert.ok(
      createGraphCredential(settings, { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/x" }) instanceof
        FederatedGraphCredential,
    );
    forgetProcessCredential();
    assert.ok(createGraphCredential(settings, {}) instanceof DeveloperGraphCredential);
  });

  it("returns no credential for --graph-auth none", () => {
    assert.equal(createGraphCredential({ ...settings, mode: "none" }, {}), undefined);
  });

  it("holds one credential per process", () => {
    const first = createGraphCredential(settings, {});
    assert.equal(createGraphCredential(settings, {}), first);
    assert.throws(
      () => createGraphCredential({ ...settings, clientId: "7f4d6c2e-0000-4000-8000-000000000003" }, {}),
      /called twice with different settings/,
    );
  });

  it("switches instance discovery off only for a loopback authority, and refuses a non-https one", () => {
    assert.deepEqual(resolveAuthority(undefined, {}), {
      authorityHost: "https://login.microsoftonline.com",
      disableInstanceDiscovery: false,
    });
    assert.deepEqual(resolveAuthority(undefined, { AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443/" }), {
      authorityHost: "https://127.0.0.1:8443",
      disableInstanceDiscovery: true,
    });
    assert.deepEqual(resolveAuthority("https://login.microsoftonline.us", {}), {
      authorityHost: "https://login.microsoftonline.us",
      disableInstanceDiscovery: false,
    });
    assert.throws(() => resolveAuthority("http://127.0.0.1:8443", {}), /must use https/);
    assert.throws(
      () => resolveAuthority("login.microsoftonline.com", {}),
      /is not a URL; use e\.g\. https:\/\/login\.microsoftonline\.com/,
    );
  });

  it("refuses an Entra secret on every path, and static AWS keys where a task role exists", () => {
    const secretShaped = "s".repeat(12);
    assert.throws(
      () => createGraphCredential(settings, { AZURE_CLIENT_CERTIFICATE_PATH: "/tmp/cert.pem" }),
      (e: GraphCredentialError) =>
        e.failure === "static-credential" && /AZURE_CLIENT_CERTIFICATE_PATH is set/.test(e.message),
    );
    assert.throws(
      () => createGraphCredential(settings, { AZURE_CLIENT_SECRET: secretShaped, AZURE_PASSWORD: secretShaped }),
      /AZURE_CLIENT_SECRET, AZURE_PASSWORD are set/,
    );
    assert.throws(
      () =>
        createGraphCredential(settings, {
          AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/x",
          AWS_SESSION_TOKEN: secretShaped,
        }),
      /AWS_SESSION_TOKEN is set in a task that has a task role/,
    );
    assert.ok(
      createGraphCredential(settings, { AWS_SECRET_ACCESS_KEY: secretShaped }),
      "a laptop may hold keys for local stores: the Graph credential does not use them",
    );
  });

  it("turns each federated-sign-in refusal into what to fix", () => {
    const ctx = {
      tenantId: settings.tenantId,
      clientId: settings.clientId,
      assertion: { iss: "https://issuer.example", sub: TASK_ROLE_ARN, aud: "api://AzureADTokenExchange", exp: 0 },
    };
    const explain = (description: string) =>
      explainEntraFailure(new Error(`ClientAssertionCredential authentication failed. ${description}`), ctx);
    const generic = explain(
      "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://issuer.example'.",
    );
    assert.equal(generic.code, "AADSTS70021");
    assert.match(
      generic.message,
      /The task presents issuer https:\/\/issuer\.example, subject arn:aws:iam::111122223333:role\/zero-secrets-sync-worker, audience api:\/\/AzureADTokenExchange/,
    );
    assert.match(
      explain("AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.").message,
      /check AZURE_CLIENT_ID and AZURE_TENANT_ID/,
    );
    assert.match(
      explain("AADSTS50166: Request to External OIDC endpoint failed.").message,
      /https:\/\/issuer\.example\/\.well-known\/openid-configuration/,
    );
    const unknown = explain("AADSTS123456: Something new.");
    assert.equal(unknown.failure, "unknown");
    assert.match(unknown.message, /Entra said: AADSTS123456: Something new\./);
  });

  it("explains Graph's 401 and 403 in terms of the app's credential and permissions", () => {
    const denied = explainGraphRefusal(
      403,
      { error: { code: "accessDenied", message: "Access denied" } },
      settings.clientId,
    );
    assert.match(
      denied,
      new RegExp(
        `App registration ${settings.clientId} lacks a Graph permission on this library: grant Sites\\.Selected`,
      ),
    );
    assert.match(denied, /Graph said 403 accessDenied: Access denied/);
    const expired = explainGraphRefusal(
      401,
      { error: { code: "InvalidAuthenticationToken", message: "Lifetime validation failed, the token is expired." } },
      settings.clientId,
    );
    assert.match(expired, /did not accept the access token .* the credential fetches a new one on the next call/);
  });

  describe("the web identity token", () => {
    let ecs: ContainerCredentialsEndpoint;
    let sts: StsEmulator;
    before(async () => {
      ecs = await ContainerCredentialsEndpoint.start({ roleArn: TASK_ROLE_ARN });
      sts = await StsEmulator.start({ identities: ecs });
    });
    after(async () => {
      await sts.close();
      await ecs.close();
    });
    // The worker's client reads the container-credentials URI from its environment; in this process
    // the provider is passed explicitly instead of changing process.env for every other test.
    const source = () =>
      new WebIdentityAssertion(
        "ap-southeast-2",
        { AWS_ENDPOINT_URL_STS: sts.endpoint },
        { credentials: fromHttp({ awsContainerCredentialsFullUri: ecs.fullUri }) },
      );

    it("is minted once and shared by concurrent callers until near its expiry", async () => {
      const assertion = source();
      const before = sts.stats.tokensIssued;
      const tokens = await Promise.all(Array.from({ length: 8 }, () => assertion.get()));
      assert.equal(new Set(tokens).size, 1);
      assert.equal(await assertion.get(), tokens[0]);
      assert.equal(sts.stats.tokensIssued - before, 1);
      assert.equal(assertion.lastClaims?.sub, TASK_ROLE_ARN);
      assertion.destroy();
    });

    it("says to enable outbound federation when the account has it off", async () => {
      sts.outboundFederationEnabled = false;
      try {
        const assertion = source();
        await assert.rejects(
          assertion.get(),
          (e: GraphCredentialError) =>
            e.code === "OutboundWebIdentityFederationDisabledException" &&
            /enable it \(aws\.iam\.OutboundWebIdentityFederation in the stack\)/.test(e.message),
        );
        assertion.destroy();
      } finally {
        sts.outboundFederationEnabled = true;
      }
    });

    it("requires a region, because only regional STS endpoints serve it", () => {
      assert.throws(() => new WebIdentityAssertion("", {}), /AWS_REGION is required in AWS/);
    });
  });
});
