import { strict as assert } from "node:assert";
import {
  AZURE_BUILTIN_ROLES,
  GitHubActionsIdentity,
  GitHubActionsIdentityArgs,
} from "../../components/github-azure-identity";
import type { SubjectFilter } from "../../components/github-subjects";
import { constrainedRoleAssignmentCondition, readRoleAssignmentCondition } from "../../components/azure-rbac";
import { build, MOCK_ENV, named, ofType, refusal, unwrap, useMocks } from "../../devtools/component-harness";
import { check } from "../../devtools/policy-fixtures/fixtures";
import { federation } from "../../policy/rules/federation";

const FIC = "azure-native:managedidentity:FederatedIdentityCredential";
const base: GitHubActionsIdentityArgs = {
  repository: { owner: "contoso", repository: "infra", ownerId: "1234567", repositoryId: "876543210" },
  subjects: [{ kind: "environment", environment: "prod" }],
  subscriptionId: MOCK_ENV.subscriptionId,
  resourceGroupName: "rg-zerosecrets-prod",
  location: "australiaeast",
};

const make = (args: GitHubActionsIdentityArgs) => (name: string) => new GitHubActionsIdentity(name, args);

describe("GitHubActionsIdentity (GitHub Actions -> Azure)", () => {
  before(useMocks);

  it("creates a managed identity with one exact federated credential per subject, one after another", async () => {
    const { component, resources } = await build(
      "a1",
      make({
        ...base,
        subjects: [
          { kind: "environment", environment: "prod" },
          { kind: "branch", branch: "main" },
          { kind: "tag", tag: "v1.0.0" },
        ],
      }),
    );
    assert.equal(ofType(resources, "azure-native:managedidentity:UserAssignedIdentity").length, 1);
    const fics = ofType(resources, FIC);
    assert.deepEqual(
      fics.map((f) => ({ issuer: f.inputs.issuer, subject: f.inputs.subject, audiences: f.inputs.audiences })),
      [
        "repo:contoso/infra:environment:prod",
        "repo:contoso/infra:ref:refs/heads/main",
        "repo:contoso/infra:ref:refs/tags/v1.0.0",
      ].map((subject) => ({
        issuer: "https://token.actions.githubusercontent.com",
        subject,
        audiences: ["api://AzureADTokenExchange"],
      })),
    );
    // Each credential waits for the previous one: Entra fails concurrent writes on one identity.
    assert.ok(fics[1]!.dependencies!.includes(fics[0]!.urn));
    assert.ok(fics[2]!.dependencies!.includes(fics[1]!.urn));
    assert.match(
      await unwrap(component.clientId),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("uses immutable subjects and the enterprise issuer", async () => {
    const { resources } = await build(
      "a2",
      make({
        ...base,
        repository: { ...base.repository, subjectFormat: "immutable" },
        enterpriseSlug: "contoso-ent",
      }),
    );
    const fic = ofType(resources, FIC)[0]!;
    assert.equal(fic.inputs.issuer, "https://token.actions.githubusercontent.com/contoso-ent");
    assert.equal(fic.inputs.subject, "repo:contoso@1234567/infra@876543210:environment:prod");
  });

  it("assigns roles at the resource group by default, and nowhere without being asked", async () => {
    const { resources } = await build(
      "a3",
      make({ ...base, roleAssignments: [{ roleDefinitionId: AZURE_BUILTIN_ROLES.Reader }] }),
    );
    const [assignment, ...others] = ofType(resources, "azure-native:authorization:RoleAssignment");
    assert.equal(others.length, 0);
    assert.equal(
      assignment!.inputs.scope,
      `/subscriptions/${MOCK_ENV.subscriptionId}/resourceGroups/rg-zerosecrets-prod`,
    );
    assert.equal(
      assignment!.inputs.roleDefinitionId,
      `/subscriptions/${MOCK_ENV.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
    );
    assert.equal(assignment!.inputs.principalType, "ServicePrincipal");
    const { resources: none } = await build("a4", make(base));
    assert.equal(ofType(none, "azure-native:authorization:RoleAssignment").length, 0);
  });

  it("limits an assignment with an ABAC condition (version 2.0) when given one", async () => {
    const principal = "0f0e0d0c-0b0a-4909-8807-060504030201";
    const condition = constrainedRoleAssignmentCondition([AZURE_BUILTIN_ROLES.Reader], [principal]);
    const { resources } = await build(
      "a6",
      make({
        ...base,
        roleAssignments: [
          { roleDefinitionId: AZURE_BUILTIN_ROLES.RoleBasedAccessControlAdministrator, condition, description: "why" },
        ],
      }),
    );
    const [assignment] = ofType(resources, "azure-native:authorization:RoleAssignment");
    assert.equal(assignment!.inputs.condition, condition);
    assert.equal(assignment!.inputs.conditionVersion, "2.0");
    assert.equal(assignment!.inputs.description, "why");
    assert.deepEqual(readRoleAssignmentCondition(condition)!.write, {
      roleIds: [AZURE_BUILTIN_ROLES.Reader],
      principalIds: [principal],
    });
    // Text in any other form is not read as a restriction.
    assert.equal(readRoleAssignmentCondition(condition.replace("GuidEquals", "GuidNotEquals")), undefined);
    assert.throws(() => constrainedRoleAssignmentCondition([], [principal]), /at least one role and one principal/);
  });

  it("can use an app registration and service principal, still without a password", async () => {
    const { resources } = await build("a5", make({ ...base, kind: "application" }));
    assert.equal(ofType(resources, "azuread:index/application:Application").length, 1);
    assert.equal(ofType(resources, "azuread:index/servicePrincipal:ServicePrincipal").length, 1);
    const fic = named(resources, "a5-fic-environment-prod");
    assert.equal(
      fic.type,
      "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
    );
    assert.equal(fic.inputs.subject, "repo:contoso/infra:environment:prod");
    assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
    assert.equal(resources.filter((r) => /Password|Certificate/.test(r.type)).length, 0);
  });

  describe("refuses", () => {
    const many: SubjectFilter[] = Array.from({ length: 21 }, (_, i) => ({ kind: "tag", tag: `v${i}` }));
    const cases: [string, Partial<GitHubActionsIdentityArgs>, string][] = [
      [
        "more than 20 federated credentials",
        { subjects: many },
        "subjects: 21 subjects need 21 federated credentials, but Entra allows at most 20 per identity",
      ],
      [
        "a wildcard subject (Entra matches exactly)",
        { subjects: [{ kind: "branch", branch: "release/*", wildcard: true }] },
        'subjects: "repo:contoso/infra:ref:refs/heads/release/*" contains a wildcard, but Entra matches federated subjects exactly; list each subject',
      ],
      [
        "no subject",
        { subjects: [] },
        "subjects: no subject filter given: a role or credential without a subject would trust every repository on GitHub",
      ],
      [
        "a non-GUID subscription",
        { subscriptionId: "my-subscription" },
        'subscriptionId must be a GUID like 00000000-0000-0000-0000-000000000000, got "my-subscription"',
      ],
      [
        "a non-GUID role definition",
        { roleAssignments: [{ roleDefinitionId: "Contributor" }] },
        'roleAssignments[0].roleDefinitionId must be a GUID like 00000000-0000-0000-0000-000000000000, got "Contributor"',
      ],
    ];
    cases.forEach(([what, override, message], i) => {
      it(what, () =>
        assert.equal(
          refusal(() => new GitHubActionsIdentity(`bad${i}`, { ...base, ...override })),
          message,
        ),
      );
    });
  });

  it("pins job_workflow_ref with a flexible credential per subject, which the pack's rule passes", async () => {
    const ref = "contoso/infra/.github/workflows/pulumi.yml@refs/heads/main";
    const { resources } = await build("a9", make({ ...base, kind: "application", jobWorkflowRefs: [ref] }));
    const flexible = ofType(
      resources,
      "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
    );
    assert.equal(flexible.length, 1);
    const inputs = flexible[0]!.inputs;
    assert.equal(
      inputs.claimsMatchingExpression,
      `claims['sub'] eq 'repo:contoso/infra:environment:prod' and claims['job_workflow_ref'] eq '${ref}'`,
    );
    assert.equal(inputs.audience, "api://AzureADTokenExchange");
    const problems = await check(
      federation,
      "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
      inputs,
    );
    assert.deepEqual(problems, []);
  });

  it("refuses a workflow pin on a managed identity (no flexible credentials there), naming the field", () => {
    assert.match(
      refusal(
        () =>
          new GitHubActionsIdentity("a10", {
            ...base,
            jobWorkflowRefs: ["contoso/infra/.github/workflows/pulumi.yml@refs/heads/main"],
          }),
      ),
      /jobWorkflowRefs: pinning the workflow needs flexible federated credentials/,
    );
  });

  it("one flexible credential per subject and workflow ref; a pull request's ref number matched by pattern", async () => {
    const refs = [
      "contoso/infra/.github/workflows/pulumi.yml@refs/heads/main",
      "contoso/infra/.github/workflows/pulumi.yml@refs/pull/*/merge",
    ];
    const { resources } = await build(
      "a11",
      make({ ...base, kind: "application", subjects: [{ kind: "pullRequest" }], jobWorkflowRefs: refs }),
    );
    const expressions = ofType(
      resources,
      "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
    ).map((c) => c.inputs.claimsMatchingExpression);
    assert.deepEqual(expressions, [
      `claims['sub'] eq 'repo:contoso/infra:pull_request' and claims['job_workflow_ref'] eq '${refs[0]}'`,
      `claims['sub'] eq 'repo:contoso/infra:pull_request' and claims['job_workflow_ref'] matches '${refs[1]}'`,
    ]);
    assert.match(
      refusal(
        () => new GitHubActionsIdentity("a12", { ...base, kind: "application", jobWorkflowRefs: ["pulumi.yml"] }),
      ),
      /jobWorkflowRefs\[0\]: "pulumi.yml" must look like OWNER\/REPO\/.github\/workflows\/FILE@refs\/heads\/BRANCH/,
    );
  });
});
