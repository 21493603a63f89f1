import { strict as assert } from "node:assert";
import {
  buildSubjects,
  githubConditionKeyPrefix,
  githubIssuerUrl,
  GitHubRepositoryRef,
  repositorySubjectPrefix,
} from "../../components/github-subjects";

const legacy: GitHubRepositoryRef = { owner: "contoso", repository: "infra" };
const immutable: GitHubRepositoryRef = {
  owner: "contoso",
  repository: "infra",
  ownerId: "1234567",
  repositoryId: "876543210",
  subjectFormat: "immutable",
};

describe("GitHub subject claims", () => {
  it("builds every subject form in the legacy format, exact unless a wildcard is asked for", () => {
    const subjects = buildSubjects(legacy, [
      { kind: "branch", branch: "main" },
      { kind: "tag", tag: "v1.2.3" },
      { kind: "environment", environment: "prod" },
      { kind: "pullRequest" },
      { kind: "tag", tag: "v*", wildcard: true },
    ]);
    assert.deepEqual(subjects, [
      { value: "repo:contoso/infra:ref:refs/heads/main", wildcard: false },
      { value: "repo:contoso/infra:ref:refs/tags/v1.2.3", wildcard: false },
      { value: "repo:contoso/infra:environment:prod", wildcard: false },
      { value: "repo:contoso/infra:pull_request", wildcard: false },
      { value: "repo:contoso/infra:ref:refs/tags/v*", wildcard: true },
    ]);
  });

  it("builds the immutable form repo:OWNER@ID/REPO@ID", () => {
    assert.equal(repositorySubjectPrefix(immutable), "repo:contoso@1234567/infra@876543210");
    assert.deepEqual(buildSubjects(immutable, [{ kind: "environment", environment: "prod" }]), [
      { value: "repo:contoso@1234567/infra@876543210:environment:prod", wildcard: false },
    ]);
  });

  it("drops duplicate filters", () => {
    const subjects = buildSubjects(legacy, [{ kind: "pullRequest" }, { kind: "pullRequest" }]);
    assert.equal(subjects.length, 1);
  });

  it("changes the issuer URL and the condition-key prefix for an enterprise slug", () => {
    assert.equal(githubIssuerUrl(), "https://token.actions.githubusercontent.com");
    assert.equal(githubConditionKeyPrefix(), "token.actions.githubusercontent.com");
    assert.equal(githubIssuerUrl("contoso-ent"), "https://token.actions.githubusercontent.com/contoso-ent");
    assert.equal(githubConditionKeyPrefix("contoso-ent"), "token.actions.githubusercontent.com/contoso-ent");
  });

  describe("refuses", () => {
    const cases: [string, () => unknown, string][] = [
      [
        "no subject",
        () => buildSubjects(legacy, []),
        "no subject filter given: a role or credential without a subject would trust every repository on GitHub",
      ],
      [
        "a wildcard in the owner",
        () => buildSubjects({ owner: "*", repository: "infra" }, [{ kind: "pullRequest" }]),
        'owner/repository "*/infra" contains a wildcard: a subject must name exactly one repository',
      ],
      [
        "a wildcard in the repository",
        () => buildSubjects({ owner: "contoso", repository: "infra-*" }, [{ kind: "pullRequest" }]),
        'owner/repository "contoso/infra-*" contains a wildcard: a subject must name exactly one repository',
      ],
      [
        "`*` alone, even when wildcards are allowed",
        () => buildSubjects(legacy, [{ kind: "branch", branch: "*", wildcard: true }]),
        'branch "*" is a wildcard alone: it would trust every branch; name it',
      ],
      [
        "a wildcard that was not asked for",
        () => buildSubjects(legacy, [{ kind: "environment", environment: "prod*" }]),
        'environment "prod*" contains a wildcard; set wildcard: true on this filter if a pattern is really meant',
      ],
      [
        "a malformed owner",
        () => buildSubjects({ owner: "contoso/infra", repository: "x" }, [{ kind: "pullRequest" }]),
        'owner "contoso/infra" is not a GitHub user or organisation name',
      ],
      [
        "a malformed repository",
        () => buildSubjects({ owner: "contoso", repository: "in fra" }, [{ kind: "pullRequest" }]),
        'repository "in fra" is not a GitHub repository name',
      ],
      [
        "a wildcard in an immutable ID",
        () => buildSubjects({ ...immutable, repositoryId: "8765*" }, [{ kind: "pullRequest" }]),
        'repositoryId "8765*" must be the numeric GitHub ID (digits only, never a wildcard)',
      ],
      [
        "the immutable form without IDs",
        () => buildSubjects({ ...legacy, subjectFormat: "immutable" }, [{ kind: "pullRequest" }]),
        'subjectFormat "immutable" needs ownerId and repositoryId (repo:OWNER@OWNER_ID/REPO@REPO_ID:…)',
      ],
      [
        "a malformed enterprise slug",
        () => githubIssuerUrl("Contoso Ent"),
        'enterpriseSlug "Contoso Ent" is not a GitHub Enterprise slug (lower-case letters, digits and hyphens)',
      ],
    ];
    for (const [what, build, message] of cases) {
      it(what, () => assert.throws(build, { message }));
    }
  });
});
