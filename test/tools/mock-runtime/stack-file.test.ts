/**
 * Stack files the way the Pulumi CLI reads them: `secure:` values (what `pulumi config set --secret` writes) become
 * secret keys holding placeholders, project defaults apply, a non-Node.js program and a missing stack file are
 * refused with what to do; and the environment the provider functions answer from.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { suiteTempDir } from "../../../devtools/temp-dir";
import { DEFAULTS, environmentFromConfig } from "../../../tools/mock-runtime/environment";
import { readProject, readStackFile, securePlaceholder } from "../../../tools/mock-runtime/stack-file";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("stack files and the runtime's environment", () => {
  const dir = suiteTempDir("stack-file");
  const project = (files: Record<string, string>) => {
    const path = join(dir.path, String(Object.keys(files).length), Math.random().toString(36).slice(2));
    mkdirSync(path, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
    return path;
  };

  it("turns secure values, top-level and nested, into secret keys holding GUID-shaped placeholders", () => {
    const path = project({
      "Pulumi.yaml": "name: app\nruntime: nodejs\nconfig:\n  region:\n    default: eu-west-1\n",
      "Pulumi.dev.yaml": [
        "config:",
        "  app:token:",
        "    secure: v1:AAAA:AAAA",
        "  app:db:",
        "    host: db.internal",
        "    password:",
        "      secure: v1:AAAA:AAAA",
        "  aws:region: us-east-2",
      ].join("\n"),
    });
    const stack = readStackFile(path, readProject(path), "dev");
    assert.deepEqual(stack.secretKeys.sort(), ["app:db", "app:token"]);
    assert.equal(stack.config["app:token"], securePlaceholder("app:token"));
    assert.match(stack.config["app:token"]!, GUID);
    assert.deepEqual(JSON.parse(stack.config["app:db"]!), {
      host: "db.internal",
      password: securePlaceholder("app:db.password"),
    });
    assert.equal(stack.config["app:region"], "eu-west-1", "a project default applies");
    assert.notEqual(securePlaceholder("app:token"), securePlaceholder("app:db.password"));
  });

  it("takes the entry from Pulumi.yaml, else package.json, and refuses a program that is not Node.js", () => {
    const fromPackage = project({
      "Pulumi.yaml": "name: a\nruntime: nodejs\n",
      "package.json": '{"main":"bin/index.js"}',
    });
    assert.equal(readProject(fromPackage).main, "bin/index.js");
    const python = project({ "Pulumi.yaml": "name: py\nruntime:\n  name: python\n" });
    assert.throws(
      () => readProject(python),
      /runtime is "python"; the offline plan runs Node\.js .*`pulumi preview --policy-pack/,
    );
    const broken = project({ "Pulumi.yaml": "name: b\nruntime: nodejs\n", "Pulumi.dev.yaml": "config: [\n" });
    assert.throws(
      () => readStackFile(broken, readProject(broken), "dev"),
      /Stack "dev": .*Pulumi\.dev\.yaml is not valid YAML/,
    );
  });

  it("answers for the account, region, partition, subscription and tenant the stack's provider config names", () => {
    const names = { organization: "o", project: "p", stack: "s" };
    const china = environmentFromConfig(
      {
        "aws:region": "cn-north-1",
        "aws:assumeRole": JSON.stringify({ roleArn: "arn:aws-cn:iam::210987654321:role/deploy" }),
      },
      names,
    );
    assert.equal(china.partition, "aws-cn");
    assert.equal(china.dnsSuffix, "amazonaws.com.cn");
    assert.equal(china.accountId, "210987654321");
    const azure = environmentFromConfig(
      {
        "azure-native:tenantId": "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d",
        "azure-native:subscriptionId": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
      },
      names,
    );
    assert.equal(azure.tenantId, "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d");
    assert.match(azure.clientId, GUID);
    const bare = environmentFromConfig({}, names);
    assert.equal(bare.accountId, DEFAULTS.accountId);
    assert.equal(bare.subscriptionId, DEFAULTS.subscriptionId);
  });
});
