/**
 * `aws.iam.getPolicyDocument` computed offline the way the AWS provider computes it (terraform-provider-aws,
 * internal/service/iam/policy_document_data_source.go and iam_policy_model.go): the same JSON, byte for byte, so
 * that the policy the gate judges is the policy `pulumi up` would deploy.
 */
import { strict as assert } from "node:assert";
import { getPolicyDocument } from "../../../tools/mock-runtime/functions/aws-policy-document";

describe("getPolicyDocument, as the AWS provider builds it", () => {
  it("writes Sid always, Effect Allow by default, one value as a string and a set reverse-sorted without repeats", () => {
    const result = getPolicyDocument({
      statements: [{ actions: ["s3:GetObject", "s3:ListBucket", "s3:GetObject"], resources: ["arn:aws:s3:::b/*"] }],
    });
    assert.equal(
      result.json,
      [
        "{",
        '  "Version": "2012-10-17",',
        '  "Statement": [',
        "    {",
        '      "Sid": "",',
        '      "Effect": "Allow",',
        '      "Action": [',
        '        "s3:ListBucket",',
        '        "s3:GetObject"',
        "      ],",
        '      "Resource": "arn:aws:s3:::b/*"',
        "    }",
        "  ]",
        "}",
      ].join("\n"),
    );
    assert.equal(result.minifiedJson, JSON.stringify(JSON.parse(result.json as string)));
    // The data source's id is the CRC-32 of the document: stable across runs.
    assert.equal(
      result.id,
      getPolicyDocument({
        statements: [{ actions: ["s3:ListBucket", "s3:GetObject"], resources: ["arn:aws:s3:::b/*"] }],
      }).id,
    );
    assert.match(result.id as string, /^\d+$/);
  });

  it("merges principals of one type, keeps condition values in order, writes `*` for the anonymous principal", () => {
    const doc = JSON.parse(
      getPolicyDocument({
        policyId: "trust",
        statements: [
          {
            sid: "GitHub",
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: [
              { type: "Federated", identifiers: ["arn:aws:iam::111122223333:oidc-provider/a"] },
              { type: "Federated", identifiers: ["arn:aws:iam::111122223333:oidc-provider/b"] },
            ],
            conditions: [
              {
                test: "StringLike",
                variable: "t:sub",
                values: ["repo:o/r:ref:refs/heads/main", "repo:o/r:environment:prod"],
              },
              { test: "StringEquals", variable: "t:aud", values: ["sts.amazonaws.com"] },
            ],
          },
          { sid: "Anyone", effect: "Deny", actions: ["*"], principals: [{ type: "*", identifiers: ["*"] }] },
        ],
      }).json as string,
    );
    assert.equal(doc.Id, "trust");
    assert.deepEqual(doc.Statement[0].Principal, {
      Federated: ["arn:aws:iam::111122223333:oidc-provider/a", "arn:aws:iam::111122223333:oidc-provider/b"],
    });
    assert.deepEqual(Object.keys(doc.Statement[0].Condition), ["StringEquals", "StringLike"]);
    assert.deepEqual(doc.Statement[0].Condition.StringLike["t:sub"], [
      "repo:o/r:ref:refs/heads/main",
      "repo:o/r:environment:prod",
    ]);
    assert.equal(doc.Statement[0].Condition.StringEquals["t:aud"], "sts.amazonaws.com");
    assert.equal(doc.Statement[1].Principal, "*");
    assert.equal(doc.Statement[1].Effect, "Deny");
  });

  it("merges source documents first and override documents last, a statement with the same Sid replacing it", () => {
    const source = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Read",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "true" } },
        },
      ],
    });
    const override = JSON.stringify({
      Statement: [{ Sid: "Write", Effect: "Deny", Action: "s3:PutObject", Resource: "*" }],
    });
    const doc = JSON.parse(
      getPolicyDocument({
        sourcePolicyDocuments: [source],
        statements: [{ sid: "Write", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/&{aws:username}/*"] }],
        overridePolicyDocuments: [override],
      }).json as string,
    );
    assert.deepEqual(
      doc.Statement.map((s: { Sid: string; Effect: string }) => [s.Sid, s.Effect]),
      [
        ["Read", "Allow"],
        ["Write", "Deny"],
      ],
    );
    // A source statement is read and written back as the provider does: condition values become lists.
    assert.deepEqual(doc.Statement[0].Condition, { Bool: { "aws:SecureTransport": ["true"] } });
  });

  it("replaces &{ with ${ (policy variables), escapes <, > and & like Go, and refuses what the provider refuses", () => {
    const result = getPolicyDocument({
      statements: [
        {
          actions: ["s3:*"],
          resources: ["arn:aws:s3:::b/&{aws:username}/*"],
          conditions: [{ test: "StringEquals", variable: "x", values: ["a<b"] }],
        },
      ],
    });
    assert.match(result.json as string, /"arn:aws:s3:::b\/\$\{aws:username\}\/\*"/);
    assert.match(result.json as string, /"a\\u003cb"/);
    assert.throws(
      () => getPolicyDocument({ version: "2008-10-17", statements: [{ resources: ["&{x}"] }] }),
      /not supported in document version 2008-10-17/,
    );
    assert.throws(() => getPolicyDocument({ statements: [{ sid: "A" }, { sid: "A" }] }), /duplicate Sid \(A\)/);
    assert.throws(() => getPolicyDocument({ sourcePolicyDocuments: ["{not json"] }), /merging source document 0/);
  });
});
