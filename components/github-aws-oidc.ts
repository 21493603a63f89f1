/**
 * GitHub Actions -> AWS: the account's GitHub OIDC provider (created, or reused by ARN) and IAM roles that trust
 * exactly the workflow runs named by typed subject filters.
 */
import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import {
  AWS_STS_AUDIENCE,
  buildJobWorkflowRefs,
  buildSubjects,
  checkRepositoryRef,
  GitHubRepositoryRef,
  JobWorkflowPin,
  githubConditionKeyPrefix,
  githubIssuerUrl,
  Subject,
  SubjectFilter,
} from "./github-subjects";
import { assertLeastPrivilege, ConditionBlock, PolicyStatement } from "./iam-policy";
import { roleWithPolicy } from "./iam-role";
import { assertCannotRaiseItself, assertTrustAdmitsOnlyItsSubjects, placeholderProviderArn } from "./trust-checks";
import { withField } from "./validation";

/** AWS accepts 3600 to 43200 seconds for a role's maximum session. */
export const MIN_SESSION_DURATION = 3600;
export const MAX_SESSION_DURATION = 43200;

export interface GitHubRoleSpec {
  /** Short name: the role is named `${name}-${key}` and exported under this key. */
  readonly key: string;
  readonly description: string;
  /** The workflow runs allowed to assume the role; at least one. */
  readonly subjects: readonly SubjectFilter[];
  /** Inline permissions; an Allow of `*` or `service:*` is refused. */
  readonly statements: readonly PolicyStatement[];
  /** Seconds; default the component's `maxSessionDuration`. */
  readonly maxSessionDuration?: number;
  /** Deny the role every write on itself (its policies, trust, boundary, tags). Default false. */
  readonly denyEditingItself?: boolean;
  /**
   * Pin `job_workflow_ref`: only jobs defined in these workflow files, at these refs, may assume the role (STS
   * evaluates the claim for GitHub tokens). Default none: any workflow whose `sub` matches.
   */
  readonly jobWorkflows?: JobWorkflowPin;
}

export interface GitHubActionsOidcArgs {
  /** The repository whose workflows are trusted. Plain values: subjects are validated when the component is built. */
  readonly repository: GitHubRepositoryRef;
  /** GitHub Enterprise slug with a custom issuer; changes the provider URL and the condition-key prefix. Default none. */
  readonly enterpriseSlug?: string;
  /**
   * ARN of the account's existing GitHub OIDC provider. IAM allows one provider per URL per account, so a second
   * stack in the same account must reuse it. Default: create the provider.
   */
  readonly existingProviderArn?: pulumi.Input<string>;
  /** The roles to create (see `defaultGitHubRoles`). */
  readonly roles: readonly GitHubRoleSpec[];
  /** Extra claims every role pins with `StringEquals`, beyond `aud` and `sub`. Default none. */
  readonly pinnedClaims?: {
    /** Pin `repository_id` to `repository.repositoryId` (survives a rename or transfer of the name). */
    readonly repositoryId?: boolean;
  };
  /** Default maximum session of every role, in seconds. Default 3600; at most 43200. */
  readonly maxSessionDuration?: number;
  /** Permissions boundary attached to every role. Default none. */
  readonly permissionsBoundaryArn?: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks a session duration; the message names the field. */
export function checkSessionDuration(field: string, seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < MIN_SESSION_DURATION || seconds > MAX_SESSION_DURATION) {
    throw new Error(
      `${field} must be a whole number of seconds from ${MIN_SESSION_DURATION} to ${MAX_SESSION_DURATION}, got ${seconds}`,
    );
  }
}

/**
 * The trust policy for a set of subjects: one statement for the exact subjects (`StringEquals`) and, only if the
 * caller asked for a pattern, a second one for the patterns (`StringLike`). They must be separate statements because
 * keys inside one condition block are ANDed.
 */
export function githubTrustPolicy(args: GitHubTrustArgs): pulumi.Output<string> {
  return pulumi.jsonStringify(githubTrustDocument(args));
}

export interface GitHubTrustArgs {
  providerArn: pulumi.Input<string>;
  subjects: readonly Subject[];
  enterpriseSlug?: string;
  pinned?: Record<string, string>;
  /** `job_workflow_ref` values (see `buildJobWorkflowRefs`); `StringLike` when any holds a wildcard. */
  jobWorkflowRefs?: readonly Subject[];
}

/** The trust policy document itself (the provider ARN may still be an Output). */
export function githubTrustDocument(args: GitHubTrustArgs) {
  const prefix = githubConditionKeyPrefix(args.enterpriseSlug);
  const pinned: Record<string, string | string[]> = { [`${prefix}:aud`]: AWS_STS_AUDIENCE };
  for (const [claim, value] of Object.entries(args.pinned ?? {})) pinned[`${prefix}:${claim}`] = value;
  const workflowRefs = args.jobWorkflowRefs ?? [];
  const likePins: Record<string, string[]> = {};
  if (workflowRefs.some((r) => r.wildcard)) likePins[`${prefix}:job_workflow_ref`] = workflowRefs.map((r) => r.value);
  else if (workflowRefs.length > 0) pinned[`${prefix}:job_workflow_ref`] = workflowRefs.map((r) => r.value);

  const exact = args.subjects.filter((s) => !s.wildcard).map((s) => s.value);
  const patterns = args.subjects.filter((s) => s.wildcard).map((s) => s.value);
  const statement = (sid: string, condition: ConditionBlock) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Federated: args.providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: condition,
  });
  const statements = [];
  const like: ConditionBlock = Object.keys(likePins).length > 0 ? { StringLike: likePins } : {};
  if (exact.length > 0) {
    statements.push(
      statement("GitHubActionsExactSubjects", { StringEquals: { ...pinned, [`${prefix}:sub`]: exact }, ...like }),
    );
  }
  if (patterns.length > 0) {
    statements.push(
      statement("GitHubActionsSubjectPatterns", {
        StringEquals: pinned,
        StringLike: { ...likePins, [`${prefix}:sub`]: patterns },
      }),
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

export class GitHubActionsOidc extends pulumi.ComponentResource {
  /** ARN of the OIDC provider the roles trust (created here or reused). */
  public readonly providerArn: pulumi.Output<string>;
  /** Issuer URL of the provider. */
  public readonly issuerUrl: string;
  /** Role ARNs by `GitHubRoleSpec.key`. */
  public readonly roleArns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: GitHubActionsOidcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerosecrets:aws:GitHubActionsOidc", name, args, opts);

    // Validate everything before registering a child, so a bad argument leaves nothing half-built.
    checkRepositoryRef(args.repository);
    const defaultDuration = args.maxSessionDuration ?? MIN_SESSION_DURATION;
    checkSessionDuration("maxSessionDuration", defaultDuration);
    if (args.roles.length === 0) throw new Error("roles: give at least one role to create");
    const keys = args.roles.map((r) => r.key);
    const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
    if (repeated !== undefined)
      throw new Error(`roles: the key "${repeated}" is used twice; each role needs its own key`);
    const pinned = pinnedClaims(args);
    const roles = args.roles.map((spec) => {
      const duration = spec.maxSessionDuration ?? defaultDuration;
      checkSessionDuration(`roles[${spec.key}].maxSessionDuration`, duration);
      const subjects = withField(`roles[${spec.key}].subjects`, () => buildSubjects(args.repository, spec.subjects));
      const workflowRefs =
        spec.jobWorkflows === undefined
          ? []
          : withField(`roles[${spec.key}].jobWorkflows`, () =>
              buildJobWorkflowRefs(args.repository, spec.jobWorkflows!),
            );
      assertLeastPrivilege(`roles[${spec.key}].statements`, spec.statements);
      // The pack's own evaluator, before anything is registered: the trust admits only the intended runs, and the
      // permissions cannot raise the role (ADR 0002).
      assertTrustAdmitsOnlyItsSubjects(
        `roles[${spec.key}]`,
        githubTrustDocument({
          providerArn: placeholderProviderArn(githubConditionKeyPrefix(args.enterpriseSlug)),
          subjects,
          enterpriseSlug: args.enterpriseSlug,
          pinned,
          jobWorkflowRefs: workflowRefs,
        }),
        spec.subjects.some((s) => s.kind === "pullRequest"),
      );
      assertCannotRaiseItself(
        `roles[${spec.key}].statements`,
        `${name}-${spec.key}`,
        spec.statements,
        spec.denyEditingItself,
      );
      return { spec, duration, subjects, workflowRefs };
    });
    this.issuerUrl = githubIssuerUrl(args.enterpriseSlug);

    if (args.existingProviderArn !== undefined) {
      this.providerArn = pulumi.output(args.existingProviderArn);
    } else {
      const provider = new iam.OpenIdConnectProvider(
        `${name}-provider`,
        {
          url: this.issuerUrl,
          clientIdLists: [AWS_STS_AUDIENCE],
          // No thumbprint: AWS validates GitHub's issuer against its own trusted root CAs.
          tags: args.tags,
        },
        { parent: this },
      );
      this.providerArn = provider.arn;
    }

    this.roleArns = {};
    for (const { spec, duration, subjects, workflowRefs } of roles) {
      const role = roleWithPolicy(
        `${name}-${spec.key}`,
        {
          description: spec.description,
          assumeRolePolicy: githubTrustPolicy({
            providerArn: this.providerArn,
            subjects,
            enterpriseSlug: args.enterpriseSlug,
            pinned,
            jobWorkflowRefs: workflowRefs,
          }),
          statements: spec.statements,
          maxSessionDuration: duration,
          permissionsBoundary: args.permissionsBoundaryArn,
          denyEditingItself: spec.denyEditingItself,
          tags: args.tags,
        },
        this,
      );
      this.roleArns[spec.key] = role.arn;
    }

    this.registerOutputs({ providerArn: this.providerArn, issuerUrl: this.issuerUrl, roleArns: this.roleArns });
  }
}

function pinnedClaims(args: GitHubActionsOidcArgs): Record<string, string> {
  const pinned: Record<string, string> = {};
  if (args.pinnedClaims?.repositoryId === true) {
    if (args.repository.repositoryId === undefined) {
      throw new Error("pinnedClaims.repositoryId needs repository.repositoryId (the numeric repository ID)");
    }
    pinned.repository_id = args.repository.repositoryId;
  }
  return pinned;
}
