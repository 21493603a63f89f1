// What a first real deployment needs from the program, checked on both stacks as the program builds them: a secrets
// provider CI can open with its role, schedules that never name an image that was not pushed, an Azure deploy
// identity that can deploy and no more, and the repository's Actions settings under the stack's control.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { AZURE_ROLES, readRoleAssignmentCondition, roleAllows } from "../../components/azure-rbac";
import { NO_IMAGE_TAG } from "../../components/sync-task";
import { recordedStack } from "../../devtools/recorded-stacks";
import type { RecordedResource, StackRun } from "../../tools/mock-runtime";

const ROOT = resolve(__dirname, "..", "..");
const stackFile = (stack: string) =>
  parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    secretsprovider?: string;
    config: Record<string, any>;
  };
const byName = (run: StackRun, name: string): RecordedResource => {
  const found = run.resources.find((r) => r.name === name);
  assert.ok(found, `no resource ${name}`);
  return found;
};
const policyOf = (run: StackRun, role: string) =>
  JSON.parse(byName(run, `${role}-permissions`).inputs.policy as string);
const roleId = (definition: string) => definition.split("/").pop()!;

describe("the first deployment of each stack", () => {
  for (const stack of ["dev", "prod"]) {
    describe(stack, () => {
      let run: StackRun;
      before(async () => (run = await recordedStack(stack)));

      it("opens the stack with a KMS secrets provider, which the GitHub roles may only decrypt with", () => {
        const file = stackFile(stack);
        const keyId = file.config["zerosecrets:aws"].secretsKeyId as string;
        const region = file.config["aws:region"] as string;
        // Without a secretsprovider a self-managed backend asks for a passphrase, which CI cannot answer.
        assert.equal(file.secretsprovider, `awskms://${keyId}?region=${region}`);
        const account = file.config["zerosecrets:aws"].accountId as string;
        for (const role of [`zs-${stack}-github-preview`, `zs-${stack}-github-deploy`]) {
          const kms = policyOf(run, role).Statement.filter((s: { Action: string | string[] }) =>
            [s.Action].flat().some((a) => a.startsWith("kms:")),
          );
          assert.deepEqual(kms, [
            {
              Sid: "StackSecretsProvider",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: `arn:aws:kms:${region}:${account}:key/${keyId}`,
            },
          ]);
        }
        const docs = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
        assert.match(docs, /pulumi stack init \S+ --secrets-provider "awskms:\/\/<key id>\?region=<region>"/);
      });

      it("creates its schedules disabled until a deployment passes the image it pushed", () => {
        assert.equal(stackFile(stack).config["zerosecrets:workerImageTag"], undefined, "the stack file names no image");
        const [container] = JSON.parse(
          run.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!.inputs
            .containerDefinitions as string,
        );
        assert.ok((container.image as string).endsWith(`:${NO_IMAGE_TAG}`));
        const schedules = run.resources.filter((r) => r.type === "aws:scheduler/schedule:Schedule");
        assert.ok(schedules.length > 0);
        for (const schedule of schedules) assert.equal(schedule.inputs.state, "DISABLED");
        assert.equal(run.outputs.workerImageTag, undefined);
      });

      it("gives the Azure deploy identity Reader and an RBAC Administrator limited to Reader for the preview identity", () => {
        const assignments = run.resources.filter(
          (r) =>
            r.type === "azure-native:authorization:RoleAssignment" && r.name.startsWith(`zs-${stack}-azure-deploy-`),
        );
        // Managed identity or app registration alike: the component says which principal it signs in as.
        const preview = byName(run, `zs-${stack}-azure-preview`).outputs.principalId as string;
        const deploy = byName(run, `zs-${stack}-azure-deploy`).outputs.principalId as string;
        assert.match(preview, /^[0-9a-f-]{36}$/);
        assert.deepEqual(
          assignments.map((a) => roleId(a.inputs.roleDefinitionId as string)).sort(),
          [AZURE_ROLES.Reader.id, AZURE_ROLES.RoleBasedAccessControlAdministrator.id].sort(),
        );
        const admin = assignments.find(
          (a) => roleId(a.inputs.roleDefinitionId as string) === AZURE_ROLES.RoleBasedAccessControlAdministrator.id,
        )!;
        assert.equal(admin.inputs.conditionVersion, "2.0");
        const limits = readRoleAssignmentCondition(admin.inputs.condition as string);
        assert.ok(limits, "the condition is one the stack understands");
        for (const action of ["write", "delete"] as const) {
          assert.deepEqual(limits[action], { roleIds: [AZURE_ROLES.Reader.id], principalIds: [preview] });
          assert.ok(!limits[action].principalIds.includes(deploy), "the deploy identity cannot grant itself a role");
        }
        for (const a of assignments) assert.equal(a.inputs.principalId, deploy);
      });

      it("holds no right to add a credential to any identity, the sync identity included (Contributor did)", () => {
        const fic = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";
        const roles = run.resources
          .filter((r) => r.type === "azure-native:authorization:RoleAssignment")
          .map((r) =>
            Object.values(AZURE_ROLES).find((role) => role.id === roleId(r.inputs.roleDefinitionId as string))!,
          );
        for (const role of roles) {
          for (const operation of [
            fic,
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            "Microsoft.Authorization/roleDefinitions/write",
          ])
            assert.equal(roleAllows(role, operation), false, `${role.name} allows ${operation}`);
        }
        // The assignment it replaces would have failed this test: Contributor can write federated credentials.
        assert.equal(roleAllows(AZURE_ROLES.Contributor, fic), true);
        assert.equal(roleAllows(AZURE_ROLES.Contributor, "Microsoft.Authorization/roleAssignments/write"), false);
        assert.equal(roleAllows(AZURE_ROLES.Reader, "Microsoft.ManagedIdentity/userAssignedIdentities/read"), true);
      });
    });
  }

  it("manages the repository's Actions settings from the stack that owns the repository variables", async () => {
    const dev = await recordedStack("dev");
    const settings = dev.resources.filter(
      (r) => r.type === "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
    );
    assert.equal(settings.length, 1);
    // No workflow opens or approves a pull request, so Actions may not (GitHub's default, kept by the stack).
    assert.deepEqual(
      {
        read: settings[0]!.inputs.defaultWorkflowPermissions,
        approve: settings[0]!.inputs.canApprovePullRequestReviews,
      },
      { read: "read", approve: false },
    );
    const prod = await recordedStack("prod");
    assert.equal(
      prod.resources.filter((r) => r.type === settings[0]!.type).length,
      0,
      "one stack owns repository-wide settings",
    );
    for (const file of ["deploy.yml", "plan-comment.yml", "pull-request.yml", "pulumi.yml", "worker-image.yml"]) {
      const text = readFileSync(join(ROOT, ".github", "workflows", file), "utf8");
      assert.doesNotMatch(
        text,
        /gh pr (create|review)|create-pull-request/,
        `${file} would need Actions to create pull requests`,
      );
    }
  });
});
