import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { toPlain, UNKNOWN } from "../../../tools/mock-runtime/serialized";
import { build, named, useMocks } from "../../../devtools/component-harness";

class Holder extends pulumi.ComponentResource {
  constructor(name: string, secretTag: pulumi.Input<string>) {
    super("test:index:Holder", name, {});
    new iam.Role(
      `${name}-role`,
      { assumeRolePolicy: pulumi.secret("{}"), tags: { owner: "platform", token: secretTag } },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

describe("mock runtime recording", () => {
  before(useMocks);

  it("records which inputs were secret, by dotted path, with the values unwrapped", async () => {
    const { resources } = await build("m1", (name) => new Holder(name, pulumi.secret("abc")));
    const role = named(resources, "m1-role");
    assert.deepEqual(role.secretPaths.sort(), ["assumeRolePolicy", "tags.token"]);
    assert.deepEqual(role.inputs.tags, { owner: "platform", token: "abc" });
    assert.equal(role.inputs.assumeRolePolicy, "{}");
    assert.equal(role.parent, named(resources, "m1").urn);
    assert.equal(named(resources, "m1").custom, false);
  });

  it("turns the wire form into plain JSON: secrets, resource references, unknowns, nested arrays", () => {
    const sig = "4dabf18193072939515e22adb298388d";
    const plain = toPlain({
      a: { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: ["x", { b: 1 }] },
      ref: { [sig]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:dev::p::t::n", id: "i" },
      list: [{ c: { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: "s" } }],
      later: UNKNOWN,
    });
    assert.deepEqual(plain.value, {
      a: ["x", { b: 1 }],
      ref: "urn:pulumi:dev::p::t::n",
      list: [{ c: "s" }],
      later: UNKNOWN,
    });
    assert.deepEqual(plain.secretPaths, ["a", "list[0].c"]);
  });
});
