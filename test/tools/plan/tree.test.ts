/**
 * The plan tree's format (issue 15): Pulumi's short type names, and lines kept within 100 columns by wrapping
 * names onto a continuation line that carries the tree's guides.
 */
import { strict as assert } from "node:assert";
import { buildPlanFile, type PlanResource } from "../../../tools/plan/plan-file";
import { renderPlanTree, shortTypeName, TREE_WIDTH } from "../../../tools/plan/tree";

const urn = (type: string, name: string, parentType?: string) =>
  `urn:pulumi:dev::app::${parentType ? `${parentType}$` : ""}${type}::${name}`;

function resource(type: string, name: string, parent?: PlanResource): PlanResource {
  return {
    urn: urn(type, name, parent?.type),
    type,
    name,
    ...(parent ? { parent: parent.urn } : {}),
    custom: !type.startsWith("pulumi:") && !type.startsWith("acme:"),
    inputs: {},
  };
}

describe("plan tree format", () => {
  it("names types the way `pulumi preview` does: the module's file part dropped when it repeats the name", () => {
    assert.equal(shortTypeName("aws:iam/rolePolicy:RolePolicy"), "aws:iam:RolePolicy");
    assert.equal(shortTypeName("aws:s3/bucketV2:BucketV2"), "aws:s3:BucketV2");
    assert.equal(shortTypeName("azuread:index/application:Application"), "azuread:index:Application");
    assert.equal(shortTypeName("github:index/actionsVariable:ActionsVariable"), "github:index:ActionsVariable");
    // Tokens already short, or whose module does not repeat the name, stay as they are.
    assert.equal(shortTypeName("azure-native:storage:StorageAccount"), "azure-native:storage:StorageAccount");
    assert.equal(shortTypeName("pulumi:pulumi:Stack"), "pulumi:pulumi:Stack");
    assert.equal(shortTypeName("kubernetes:core/v1:Pod"), "kubernetes:core/v1:Pod");
    assert.equal(shortTypeName("not-a-token"), "not-a-token");
  });

  it("keeps every line within 100 columns, wrapping long names under the name column with the guides carried", () => {
    const stack = resource("pulumi:pulumi:Stack", "app-dev");
    const component = resource("acme:platform:WorkloadIdentity", "workload", stack);
    const resources = [
      stack,
      component,
      resource(
        "azure-native:managedidentity:FederatedIdentityCredential",
        "workload-federated-credential-for-the-github-environment-production",
        component,
      ),
      resource("aws:iam/role:Role", "workload-task-role", component),
      resource(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "logs-encryption",
        stack,
      ),
    ];
    const text = renderPlanTree(buildPlanFile("app", "dev", resources));
    const lines = text.split("\n");
    for (const line of lines) assert.ok([...line].length <= TREE_WIDTH, `longer than ${TREE_WIDTH}: ${line}`);
    const credential = lines.findIndex((line) =>
      line.includes("azure-native:managedidentity:FederatedIdentityCredential"),
    );
    assert.ok(credential > 0, text);
    // The long name moved to the next line, which is not a new resource (no `+`) and carries the stack's guide
    // down (the bucket below still hangs off it); the credential is the component's last child, so no second one.
    assert.doesNotMatch(lines[credential]!, /workload-federated-credential/);
    assert.match(lines[credential]!, /^ \+ {3}│ {2}└─ azure-native/);
    assert.match(
      lines[credential + 1]!,
      /^ {5}│ {4,}workload-federated-credential-for-the-github-environment-production$/,
    );
    assert.match(text, /^ \+ {3}│ {2}├─ aws:iam:Role\s+workload-task-role$/m);
    assert.match(text, /^ \+ {3}└─ aws:s3:BucketServerSideEncryptionConfiguration\s+logs-encryption$/m);
    assert.match(text, /Resources:\n {4}\+ 5 to create$/);
  });

  it("places the name column so that the fewest rows wrap, and wraps none when everything fits", () => {
    const stack = resource("pulumi:pulumi:Stack", "app-dev");
    const text = renderPlanTree(
      buildPlanFile("app", "dev", [
        stack,
        resource("aws:iam/role:Role", "deploy", stack),
        resource("aws:s3/bucket:Bucket", "artifacts", stack),
      ]),
    );
    assert.deepEqual(text.split("\n").slice(0, 4), [
      "     Type                  Name",
      " +   pulumi:pulumi:Stack   app-dev",
      " +   ├─ aws:iam:Role       deploy",
      " +   └─ aws:s3:Bucket      artifacts",
    ]);
  });
});
