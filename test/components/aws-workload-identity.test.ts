import { strict as assert } from "node:assert";
import { AwsWorkloadIdentity, AwsWorkloadIdentityArgs } from "../../components/aws-workload-identity";
import { build, named, ofType, refusal, unwrap, useMocks } from "../../devtools/component-harness";

const TASK_ROLE_ARN = "arn:aws:iam::111122223333:role/zs-dev-sync-task-0a1b2c3";
const base: AwsWorkloadIdentityArgs = {
  taskRoleArn: TASK_ROLE_ARN,
  resourceGroupName: "rg-zerosecrets-dev",
  location: "australiaeast",
};

const make = (args: AwsWorkloadIdentityArgs) => (name: string) => new AwsWorkloadIdentity(name, args);

describe("AwsWorkloadIdentity (AWS workload -> Azure)", () => {
  before(useMocks);

  it("enables outbound federation and trusts exactly the task role from the account's issuer", async () => {
    const { component, resources } = await build("w1", make(base));
    assert.equal(ofType(resources, "aws:iam/outboundWebIdentityFederation:OutboundWebIdentityFederation").length, 1);
    const issuer = await unwrap(component.issuerUrl);
    assert.match(issuer, /^https:\/\/[0-9a-f-]{36}\.tokens\.sts\.global\.api\.aws$/);
    const fic = named(resources, "w1-fic-task-role");
    assert.deepEqual(
      { issuer: fic.inputs.issuer, subject: fic.inputs.subject, audiences: fic.inputs.audiences },
      { issuer, subject: TASK_ROLE_ARN, audiences: ["api://AzureADTokenExchange"] },
    );
  });

  it("grants Sites.Selected on Microsoft Graph to the managed identity by app role assignment", async () => {
    const { component, resources } = await build("w2", make(base));
    const grant = named(resources, "w2-graph-sites-selected");
    assert.equal(grant.inputs.appRoleId, "883ea226-0bf2-4a8f-9f9d-92c9162a727d");
    assert.equal(grant.inputs.principalObjectId, await unwrap(component.principalId));
    assert.match(String(grant.inputs.resourceObjectId), /^[0-9a-f-]{36}$/);
  });

  it("grants Files.Read.All only when tenant-wide read is explicitly allowed", async () => {
    const { resources } = await build(
      "w3",
      make({ ...base, graphPermission: "Files.Read.All", allowTenantWideRead: true }),
    );
    assert.equal(named(resources, "w3-graph-files-read-all").inputs.appRoleId, "01d4889c-1287-42c6-ac1f-5d1e02578ef6");
  });

  it("reuses the account's issuer when federation is already enabled", async () => {
    const existing = "https://0f8fad5b-d9cb-469f-a165-70867728950e.tokens.sts.global.api.aws";
    const { component, resources } = await build("w4", make({ ...base, existingIssuerUrl: existing }));
    assert.equal(ofType(resources, "aws:iam/outboundWebIdentityFederation:OutboundWebIdentityFederation").length, 0);
    assert.equal(await unwrap(component.issuerUrl), existing);
    assert.equal(named(resources, "w4-fic-task-role").inputs.issuer, existing);
  });

  describe("refuses", () => {
    it("Files.Read.All without allowTenantWideRead", () => {
      assert.equal(
        refusal(() => new AwsWorkloadIdentity("bad1", { ...base, graphPermission: "Files.Read.All" })),
        'graphPermission "Files.Read.All" reads every file in the tenant; prefer "Sites.Selected", or set allowTenantWideRead: true',
      );
    });
    it("an issuer that is not AWS's", () => {
      assert.equal(
        refusal(
          () =>
            new AwsWorkloadIdentity("bad2", {
              ...base,
              existingIssuerUrl: "https://token.actions.githubusercontent.com",
            }),
        ),
        'existingIssuerUrl "https://token.actions.githubusercontent.com" is not an AWS outbound issuer (https://<uuid>.tokens.sts.global.api.aws)',
      );
    });
  });
});
