/**
 * GitHub Actions side of the trust chains: the environments (with deployment branch rules, which is what makes an
 * `environment:prod` subject mean "a reviewed run from main"), and the public IDs the workflows need, published as
 * Actions **variables**. Nothing here is a secret, and the component refuses names that suggest one.
 */
import * as pulumi from "@pulumi/pulumi";
import { ActionsEnvironmentVariable } from "@pulumi/github/actionsEnvironmentVariable";
import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from "@pulumi/github/actionsRepositoryOidcSubjectClaimCustomizationTemplate";
import { ActionsVariable } from "@pulumi/github/actionsVariable";
import { RepositoryEnvironment } from "@pulumi/github/repositoryEnvironment";
import { RepositoryEnvironmentDeploymentPolicy } from "@pulumi/github/repositoryEnvironmentDeploymentPolicy";
import { WorkflowRepositoryPermissions } from "@pulumi/github/workflowRepositoryPermissions";

/** GitHub's rule for variable names, minus the reserved `GITHUB_` prefix. */
const VARIABLE_NAME_PATTERN = /^(?!GITHUB_)[A-Z_][A-Z0-9_]*$/;
/** Names that suggest the value is a credential: those belong nowhere in this project. */
const SECRET_LIKE_NAME = /(SECRET|PASSWORD|TOKEN|PRIVATE|ACCESS_KEY|CREDENTIAL)/;

export interface GitHubEnvironmentSpec {
  readonly name: string;
  /** Branch patterns allowed to deploy (GitHub's custom deployment branch policy). At least one. */
  readonly branches: readonly string[];
  /** Numeric user or team IDs who must approve a deployment. Default none. */
  readonly reviewers?: { readonly users?: readonly number[]; readonly teams?: readonly number[] };
}

export interface ActionsVariablesArgs {
  /** Repository name (without owner; the provider's `owner` setting selects the owner). */
  readonly repository: string;
  /** Environments this stack manages. */
  readonly environments: readonly GitHubEnvironmentSpec[];
  /** Variables per environment name (must be one of `environments`). */
  readonly environmentVariables?: Record<string, Record<string, pulumi.Input<string>>>;
  /** Repository-level variables (read by jobs without an environment, e.g. pull-request previews). */
  readonly repositoryVariables?: Record<string, pulumi.Input<string>>;
  /**
   * Claim keys for the repository's OIDC subject template. Default: leave the repository's template alone.
   * Changing it changes every subject this project trusts; keep it in step with the subject filters.
   */
  readonly subjectClaimKeys?: readonly string[];
  /**
   * The repository's Actions workflow settings: the default `GITHUB_TOKEN` permissions and "Allow GitHub Actions to
   * create and approve pull requests" (`can_approve_pull_request_reviews`, off by default). Default: leave them
   * alone. Repository-wide, so only one stack should manage them.
   */
  readonly workflowPermissions?: {
    readonly defaultPermissions: "read" | "write";
    readonly actionsCreatePullRequests: boolean;
  };
}

export class ActionsVariables extends pulumi.ComponentResource {
  /** Names of the variables published, by scope (`repository` or the environment name). */
  public readonly published: Record<string, string[]>;

  constructor(name: string, args: ActionsVariablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("zerosecrets:github:ActionsVariables", name, args, opts);

    const environmentNames = new Set(args.environments.map((e) => e.name));
    for (const env of args.environments) {
      if (env.branches.length === 0) {
        throw new Error(`environments[${env.name}].branches: give at least one branch allowed to deploy`);
      }
    }
    for (const scope of Object.keys(args.environmentVariables ?? {})) {
      if (!environmentNames.has(scope)) {
        throw new Error(
          `environmentVariables: "${scope}" is not one of the environments this stack manages (${[...environmentNames].join(", ")})`,
        );
      }
    }
    const scopes: [string, Record<string, pulumi.Input<string>>][] = [
      ["repository", args.repositoryVariables ?? {}],
      ...Object.entries(args.environmentVariables ?? {}),
    ];
    for (const [scope, variables] of scopes) for (const key of Object.keys(variables)) checkVariableName(scope, key);
    this.published = Object.fromEntries(scopes.map(([scope, variables]) => [scope, Object.keys(variables)]));

    const environments = new Map<string, RepositoryEnvironment>();
    for (const env of args.environments) {
      const environment = new RepositoryEnvironment(
        `${name}-env-${env.name}`,
        {
          repository: args.repository,
          environment: env.name,
          // Only the listed branches may run jobs in this environment, so `environment:<name>` subjects
          // cannot be produced from a feature branch or a fork.
          deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
          preventSelfReview: (env.reviewers?.users?.length ?? 0) + (env.reviewers?.teams?.length ?? 0) > 0,
          reviewers:
            env.reviewers === undefined
              ? undefined
              : [{ users: [...(env.reviewers.users ?? [])], teams: [...(env.reviewers.teams ?? [])] }],
          canAdminsBypass: false,
        },
        { parent: this },
      );
      environments.set(env.name, environment);
      for (const branch of env.branches) {
        new RepositoryEnvironmentDeploymentPolicy(
          `${name}-env-${env.name}-branch-${branch.replace(/[^A-Za-z0-9-]+/g, "-")}`,
          { repository: args.repository, environment: environment.environment, branchPattern: branch },
          { parent: this },
        );
      }
    }

    for (const [key, value] of Object.entries(args.repositoryVariables ?? {})) {
      new ActionsVariable(
        `${name}-var-${key.toLowerCase()}`,
        { repository: args.repository, variableName: key, value },
        { parent: this },
      );
    }
    for (const [envName, variables] of Object.entries(args.environmentVariables ?? {})) {
      for (const [key, value] of Object.entries(variables)) {
        new ActionsEnvironmentVariable(
          `${name}-${envName}-var-${key.toLowerCase()}`,
          {
            repository: args.repository,
            environment: environments.get(envName)!.environment,
            variableName: key,
            value,
          },
          { parent: this },
        );
      }
    }

    if (args.subjectClaimKeys !== undefined) {
      if (!args.subjectClaimKeys.includes("repo") && !args.subjectClaimKeys.includes("repository_id")) {
        throw new Error(
          'subjectClaimKeys must include "repo" or "repository_id": a subject without the repository trusts every repository',
        );
      }
      new ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
        `${name}-subject-template`,
        { repository: args.repository, useDefault: false, includeClaimKeys: [...args.subjectClaimKeys] },
        { parent: this },
      );
    }

    if (args.workflowPermissions !== undefined) {
      new WorkflowRepositoryPermissions(
        `${name}-workflow-permissions`,
        {
          repository: args.repository,
          defaultWorkflowPermissions: args.workflowPermissions.defaultPermissions,
          canApprovePullRequestReviews: args.workflowPermissions.actionsCreatePullRequests,
        },
        { parent: this },
      );
    }

    this.registerOutputs({ published: this.published });
  }
}

function checkVariableName(scope: string, key: string): void {
  if (!VARIABLE_NAME_PATTERN.test(key)) {
    throw new Error(
      `${scope} variable "${key}": names are upper-case letters, digits and _, not starting with GITHUB_`,
    );
  }
  if (SECRET_LIKE_NAME.test(key)) {
    throw new Error(
      `${scope} variable "${key}" looks like a credential; publish public IDs only (this stack trusts OIDC, not secrets)`,
    );
  }
}
