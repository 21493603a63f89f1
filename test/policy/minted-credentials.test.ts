import { strict as assert } from "node:assert";
import { UNKNOWN_STRING } from "../../tools/policy-gate";
import { appRegistrationCertificates, MINTING_TYPES, mintedCredentials } from "../../policy/rules/minted-credentials";
import { check } from "../../devtools/policy-fixtures/fixtures";

describe("policy rule no-minted-credentials", () => {
  for (const type of [
    "aws:iam/accessKey:AccessKey",
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
    "aws:iam/userLoginProfile:UserLoginProfile",
    "aws:iam/signingCertificate:SigningCertificate",
    "aws:iam/sshKey:SshKey",
    "azuread:index/applicationPassword:ApplicationPassword",
    "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
    "tls:index/privateKey:PrivateKey",
  ]) {
    it(`fails ${type}, naming the fix`, async () => {
      const [message, ...rest] = await check(mintedCredentials, type, { user: "deployer" });
      assert.equal(rest.length, 0);
      assert.match(message, new RegExp(`^${type.replace(/[/:.]/g, "\\$&")} "r": .+\\. Fix: .+`));
    });
  }

  it("fails an Entra application with an inline password block, and passes one without", async () => {
    const type = "azuread:index/application:Application";
    assert.equal(
      (await check(mintedCredentials, type, { displayName: "app", password: { displayName: "ci" } })).length,
      1,
    );
    assert.deepEqual(await check(mintedCredentials, type, { displayName: "app" }), []);
    assert.deepEqual(await check(mintedCredentials, type, { displayName: "app", password: {} }), []);
  });

  it("treats an inline password unknown during preview as set", async () => {
    const [message] = await check(mintedCredentials, "azuread:index/application:Application", {
      password: UNKNOWN_STRING,
    });
    assert.match(message, /unknown during preview/);
  });

  it("fails a Cognito client only when it generates a secret", async () => {
    const type = "aws:cognito/userPoolClient:UserPoolClient";
    assert.equal((await check(mintedCredentials, type, { generateSecret: true })).length, 1);
    assert.deepEqual(await check(mintedCredentials, type, { generateSecret: false }), []);
  });

  it("passes the zero-secrets resources (roles, managed identities, federated credentials)", async () => {
    for (const type of [
      "aws:iam/role:Role",
      "azure-native:managedidentity:UserAssignedIdentity",
      "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    ]) {
      assert.deepEqual(await check(mintedCredentials, type, {}), [], type);
    }
  });

  it("extends the list through additionalTypes", async () => {
    const type = "vendor:index/apiKey:ApiKey";
    assert.deepEqual(await check(mintedCredentials, type, {}), []);
    assert.equal((await check(mintedCredentials, type, {}, { additionalTypes: [type] })).length, 1);
  });

  it("every minting type says what to do instead", () => {
    for (const [type, m] of Object.entries(MINTING_TYPES)) assert.ok(m.fix.length > 10 && m.what.length > 10, type);
  });
});

describe("policy rule app-registration-certificates (advisory)", () => {
  it("flags certificates on app registrations and service principals only", async () => {
    assert.equal(
      (await check(appRegistrationCertificates, "azuread:index/applicationCertificate:ApplicationCertificate", {}))
        .length,
      1,
    );
    assert.equal(
      (
        await check(
          appRegistrationCertificates,
          "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
          {},
        )
      ).length,
      1,
    );
    assert.deepEqual(await check(appRegistrationCertificates, "aws:acm/certificate:Certificate", {}), []);
    assert.equal(appRegistrationCertificates.enforcementLevel, "advisory");
  });
});
