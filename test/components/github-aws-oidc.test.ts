import { strict as assert } from "node:assert";
import { GitHubActionsOidc, GitHubActionsOidcArgs } from "../../components/github-aws-oidc";
import { build, jsonInput, named, ofType, refusal, unwrap, useMocks } from "../../devtools/component-harness";

const repository = { owner: "contoso", repository: "infra", ownerId: "1234567", repositoryId: "876543210" };
const readStatements = [
  { Sid: "Read", Effect: "Allow" as const, Action: ["s3:GetObject"], Resource: "arn:aws:s3:::state/.pulumi/*" },
];
const base: GitHubActionsOidcArgs = {
  repository,
  roles: [
    { key: "preview", description: "preview", subjects: [{ kind: "pullRequest" }], statements: readStatements },
    {
      key: "deploy",
      description: "deploy",
      subjects: [{ kind: "environment", environment: "prod" }],
      statements: readStatements,
    },
  ],
};
const PROVIDER_ARN = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

const make = (args: GitHubActionsOidcArgs) => (name: string) => new GitHubActionsOidc(name, args);

describe("GitHubActionsOidc (GitHub Actions -> AWS)", () => {
  before(useMocks);

  it("creates the provider without a thumbprint and trusts exact subjects with StringEquals", async () => {
    const { component, resources } = await build("t1", make(base));
    const provider = named(resources, "t1-provider");
    assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
    assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
    assert.equal(provider.inputs.thumbprintLists, undefined);
    assert.equal(provider.parent, resources.find((r) => r.name === "t1")!.urn);

    assert.deepEqual(jsonInput(named(resources, "t1-deploy"), "assumeRolePolicy"), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubActionsExactSubjects",
          Effect: "Allow",
          Principal: { Federated: PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": ["repo:contoso/infra:environment:prod"],
            },
          },
        },
      ],
    });
    const preview = jsonInput(named(resources, "t1-preview"), "assumeRolePolicy");
    assert.deepEqual(preview.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"], [
      "repo:contoso/infra:pull_request",
    ]);
    assert.equal(named(resources, "t1-deploy").inputs.maxSessionDuration, 3600);
    assert.match(await unwrap(component.roleArns.deploy!), /^arn:aws:iam::111122223333:role\/t1-deploy-[0-9a-f]{7}$/);
    assert.deepEqual(jsonInput(named(resources, "t1-deploy-permissions"), "policy"), {
      Version: "2012-10-17",
      Statement: readStatements,
    });
  });

  it("puts patterns in their own StringLike statement, with aud still pinned", async () => {
    const { resources } = await build(
      "t2",
      make({
        ...base,
        roles: [
          {
            key: "release",
            description: "release",
            subjects: [
              { kind: "branch", branch: "main" },
              { kind: "tag", tag: "v*", wildcard: true },
            ],
            statements: readStatements,
          },
        ],
      }),
    );
    const trust = jsonInput(named(resources, "t2-release"), "assumeRolePolicy");
    assert.deepEqual(
      trust.Statement.map((s: any) => s.Condition),
      [
        {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:contoso/infra:ref:refs/heads/main"],
          },
        },
        {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          StringLike: { "token.actions.githubusercontent.com:sub": ["repo:contoso/infra:ref:refs/tags/v*"] },
        },
      ],
    );
  });

  it("uses immutable subjects and pins repository_id and each role's job_workflow_ref when asked", async () => {
    const [preview, deploy] = base.roles;
    const { resources } = await build(
      "t3",
      make({
        ...base,
        repository: { ...repository, subjectFormat: "immutable" },
        pinnedClaims: { repositoryId: true },
        roles: [
          {
            ...preview!,
            jobWorkflows: { workflows: [".github/workflows/pulumi.yml"], refs: [{ kind: "pullRequest" }] },
          },
          {
            ...deploy!,
            jobWorkflows: {
              workflows: [".github/workflows/pulumi.yml", ".github/workflows/worker-image.yml"],
              refs: [{ kind: "branch", branch: "main" }],
            },
          },
        ],
      }),
    );
    const deployTrust = jsonInput(named(resources, "t3-deploy"), "assumeRolePolicy");
    assert.deepEqual(deployTrust.Statement[0].Condition, {
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:repository_id": "876543210",
        "token.actions.githubusercontent.com:job_workflow_ref": [
          "contoso/infra/.github/workflows/pulumi.yml@refs/heads/main",
          "contoso/infra/.github/workflows/worker-image.yml@refs/heads/main",
        ],
        "token.actions.githubusercontent.com:sub": ["repo:contoso@1234567/infra@876543210:environment:prod"],
      },
    });
    // A pull request runs a called workflow at the caller's ref, refs/pull/<N>/merge: the number is the one wildcard.
    const previewTrust = jsonInput(named(resources, "t3-preview"), "assumeRolePolicy");
    assert.deepEqual(previewTrust.Statement[0].Condition.StringLike, {
      "token.actions.githubusercontent.com:job_workflow_ref": [
        "contoso/infra/.github/workflows/pulumi.yml@refs/pull/*/merge",
      ],
    });
    assert.equal(
      previewTrust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:job_workflow_ref"],
      undefined,
    );
  });

  it("uses the enterprise issuer for the provider URL and the condition keys", async () => {
    const { resources } = await build("t4", make({ ...base, enterpriseSlug: "contoso-ent" }));
    assert.equal(named(resources, "t4-provider").inputs.url, "https://token.actions.githubusercontent.com/contoso-ent");
    const trust = jsonInput(named(resources, "t4-deploy"), "assumeRolePolicy");
    assert.equal(trust.Statement[0].Principal.Federated, `${PROVIDER_ARN}/contoso-ent`);
    assert.deepEqual(Object.keys(trust.Statement[0].Condition.StringEquals), [
      "token.actions.githubusercontent.com/contoso-ent:aud",
      "token.actions.githubusercontent.com/contoso-ent:sub",
    ]);
  });

  it("reuses an existing provider by ARN instead of creating one", async () => {
    const existing = "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com";
    const { component, resources } = await build("t5", make({ ...base, existingProviderArn: existing }));
    assert.equal(ofType(resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
    assert.equal(await unwrap(component.providerArn), existing);
    assert.equal(
      jsonInput(named(resources, "t5-deploy"), "assumeRolePolicy").Statement[0].Principal.Federated,
      existing,
    );
  });

  it("passes a permissions boundary and a longer session when given", async () => {
    const boundary = "arn:aws:iam::111122223333:policy/boundary";
    const { resources } = await build(
      "t6",
      make({ ...base, permissionsBoundaryArn: boundary, maxSessionDuration: 7200 }),
    );
    assert.equal(named(resources, "t6-deploy").inputs.permissionsBoundary, boundary);
    assert.equal(named(resources, "t6-deploy").inputs.maxSessionDuration, 7200);
  });

  describe("refuses", () => {
    const cases: [string, Partial<GitHubActionsOidcArgs>, string][] = [
      [
        "a role without a subject",
        { roles: [{ key: "deploy", description: "d", subjects: [], statements: readStatements }] },
        "roles[deploy].subjects: no subject filter given: a role or credential without a subject would trust every repository on GitHub",
      ],
      [
        "a session longer than 12 hours",
        { maxSessionDuration: 43201 },
        "maxSessionDuration must be a whole number of seconds from 3600 to 43200, got 43201",
      ],
      [
        "a session shorter than an hour on one role",
        { roles: [{ ...base.roles[0]!, maxSessionDuration: 900 }] },
        "roles[preview].maxSessionDuration must be a whole number of seconds from 3600 to 43200, got 900",
      ],
      [
        "a `*` action",
        { roles: [{ ...base.roles[0]!, statements: [{ Effect: "Allow", Action: "*", Resource: "*" }] }] },
        'roles[preview].statements: statement (no Sid) allows "*"; list the actions the role needs',
      ],
      [
        "a whole-service action",
        {
          roles: [
            { ...base.roles[0]!, statements: [{ Sid: "All", Effect: "Allow", Action: ["s3:*"], Resource: "*" }] },
          ],
        },
        'roles[preview].statements: statement All allows "s3:*"; list the actions the role needs',
      ],
      [
        "two roles with one key",
        { roles: [base.roles[0]!, base.roles[0]!] },
        'roles: the key "preview" is used twice; each role needs its own key',
      ],
      [
        "pinning repository_id without the ID",
        { repository: { owner: "contoso", repository: "infra" }, pinnedClaims: { repositoryId: true } },
        "pinnedClaims.repositoryId needs repository.repositoryId (the numeric repository ID)",
      ],
      [
        "a wildcard workflow file in a job_workflow_ref pin",
        {
          roles: [
            {
              ...base.roles[0]!,
              jobWorkflows: { workflows: [".github/workflows/*.yml"], refs: [{ kind: "branch", branch: "main" }] },
            },
          ],
        },
        'roles[preview].jobWorkflows: workflow ".github/workflows/*.yml" must be a workflow file of the repository, e.g. .github/workflows/pulumi.yml (no wildcard)',
      ],
      [
        "a job_workflow_ref pin on every branch",
        {
          roles: [
            {
              ...base.roles[0]!,
              jobWorkflows: { workflows: [".github/workflows/pulumi.yml"], refs: [{ kind: "branch", branch: "*" }] },
            },
          ],
        },
        'roles[preview].jobWorkflows: branch "*" is a wildcard alone: it would trust every branch; name it',
      ],
    ];
    cases.forEach(([what, override, message], i) => {
      it(what, () =>
        assert.equal(
          refusal(() => new GitHubActionsOidc(`bad${i}`, { ...base, ...override })),
          message,
        ),
      );
    });
  });
});
