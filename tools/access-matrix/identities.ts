/**
 * What each stack lets GitHub Actions become, read from the program run under Pulumi's mock runtime: the AWS roles
 * that trust GitHub's OIDC provider (with their trust policies), the Entra identities with GitHub federated
 * credentials, the Actions variables the stack publishes (which tell a job which role or client ID to use), the
 * deployment branch rules of its GitHub environments, and the repository the stack trusts (its stack file).
 */
import { parseStackConfig } from "../../components/config";
import { GITHUB_ISSUER_HOST, type FederatedCredential } from "../../policy/iam";
import { runStackUnderMocks, type RecordedResource, type StackRun } from "../mock-runtime";
import { readProject, readStackConfig } from "../mock-runtime/stack-file";

export interface AwsRoleIdentity {
  readonly kind: "aws";
  readonly stack: string;
  /** The role's logical name, e.g. `zs-dev-github-deploy`. */
  readonly name: string;
  readonly arn: string;
  readonly trustPolicy: unknown;
  /** The GitHub OIDC provider the role trusts (the principal STS names for a GitHub token in that account). */
  readonly providerArn: string;
}

export interface EntraIdentity {
  readonly kind: "entra";
  readonly stack: string;
  /** The identity's logical name, e.g. `zs-dev-azure-deploy-identity`. */
  readonly name: string;
  readonly clientId: string;
  readonly credentials: readonly FederatedCredential[];
}

export type Identity = AwsRoleIdentity | EntraIdentity;

/** The repository whose tokens the stack trusts, and the form of `sub` it sends. */
export interface TrustedRepository {
  readonly owner: string;
  readonly repository: string;
  readonly ownerId?: string;
  readonly repositoryId?: string;
  readonly subjectFormat: "legacy" | "immutable";
  readonly enterpriseSlug?: string;
  /** A custom OIDC subject template (include_claim_keys), if the stack manages one. */
  readonly subjectClaimKeys?: readonly string[];
}

export interface StackFacts {
  readonly stack: string;
  readonly repository: TrustedRepository;
  readonly identities: readonly Identity[];
  /** Repository-level Actions variables the stack publishes. */
  readonly repositoryVariables: Readonly<Record<string, string>>;
  /** Environment-level Actions variables, by environment. */
  readonly environmentVariables: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Branch patterns each environment may deploy from (GitHub's deployment branch policy), by environment. */
  readonly environmentBranches: Readonly<Record<string, readonly string[]>>;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const ofType = (run: StackRun, type: string): RecordedResource[] => run.resources.filter((r) => r.type === type);

function isGitHubIssuer(issuer: string): boolean {
  return issuer.replace(/\/+$/, "").startsWith(`https://${GITHUB_ISSUER_HOST}`);
}

/** A recorded federated identity credential (managed identity or app registration), as Entra matches it. */
function federatedCredential(resource: RecordedResource): FederatedCredential {
  const { issuer, subject, audiences, audience, claimsMatchingExpression } = resource.inputs;
  return {
    issuer: str(issuer),
    subject: str(subject) || undefined,
    // Fixed credentials list audiences; flexible ones (azuread) take one.
    audiences: (audiences as string[] | undefined) ?? (typeof audience === "string" ? [audience] : []),
    claimsMatchingExpression: str(claimsMatchingExpression) || undefined,
  };
}

/** The identities and settings of one stack run. */
export function stackFacts(run: StackRun, repository: TrustedRepository): StackFacts {
  const identities: Identity[] = [];
  for (const role of ofType(run, "aws:iam/role:Role")) {
    const trust = JSON.parse(str(role.inputs.assumeRolePolicy) || "{}") as {
      Statement?: Array<{ Principal?: { Federated?: unknown } }>;
    };
    const providers = (trust.Statement ?? [])
      .flatMap((s) => [s.Principal?.Federated ?? []].flat())
      .filter((p): p is string => typeof p === "string" && p.includes(`:oidc-provider/${GITHUB_ISSUER_HOST}`));
    if (providers.length === 0) continue;
    identities.push({
      kind: "aws",
      stack: run.stack,
      name: role.name,
      arn: str(role.outputs.arn),
      trustPolicy: trust,
      providerArn: providers[0]!,
    });
  }

  // Managed identities: credentials name their identity by resourceName.
  const managed = ofType(run, "azure-native:managedidentity:UserAssignedIdentity");
  const credentials = ofType(run, "azure-native:managedidentity:FederatedIdentityCredential").filter((c) =>
    isGitHubIssuer(str(c.inputs.issuer)),
  );
  for (const identity of managed) {
    const own = credentials.filter((c) => c.inputs.resourceName === identity.outputs.name);
    if (own.length === 0) continue;
    identities.push({
      kind: "entra",
      stack: run.stack,
      name: identity.name,
      clientId: str(identity.outputs.clientId),
      credentials: own.map(federatedCredential),
    });
  }
  // App registrations: credentials (fixed or flexible) name their application by `/applications/<object id>`.
  const appCredentials = [
    ...ofType(run, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"),
    ...ofType(
      run,
      "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
    ),
  ].filter((c) => isGitHubIssuer(str(c.inputs.issuer)));
  for (const app of ofType(run, "azuread:index/application:Application")) {
    const own = appCredentials.filter((c) => c.inputs.applicationId === `/applications/${str(app.outputs.objectId)}`);
    if (own.length === 0) continue;
    identities.push({
      kind: "entra",
      stack: run.stack,
      name: app.name,
      clientId: str(app.outputs.clientId),
      credentials: own.map(federatedCredential),
    });
  }

  const repositoryVariables: Record<string, string> = {};
  for (const v of ofType(run, "github:index/actionsVariable:ActionsVariable")) {
    repositoryVariables[str(v.inputs.variableName)] = str(v.inputs.value);
  }
  const environmentVariables: Record<string, Record<string, string>> = {};
  for (const v of ofType(run, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")) {
    (environmentVariables[str(v.inputs.environment)] ??= {})[str(v.inputs.variableName)] = str(v.inputs.value);
  }
  const environmentBranches: Record<string, string[]> = {};
  for (const p of ofType(
    run,
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  )) {
    (environmentBranches[str(p.inputs.environment)] ??= []).push(str(p.inputs.branchPattern));
  }
  return { stack: run.stack, repository, identities, repositoryVariables, environmentVariables, environmentBranches };
}

/** The repository a stack trusts, from its stack file, validated by the program's own schema. */
export function trustedRepository(projectDir: string, stack: string): TrustedRepository {
  const project = readProject(projectDir);
  const flat = readStackConfig(projectDir, project, stack);
  const raw = Object.fromEntries(
    Object.entries(flat).map(([k, v]) => {
      try {
        return [k, JSON.parse(v) as unknown];
      } catch {
        return [k, v];
      }
    }),
  );
  const { github } = parseStackConfig(stack, raw);
  return {
    owner: github.owner,
    repository: github.repository,
    ownerId: github.ownerId,
    repositoryId: github.repositoryId,
    subjectFormat: github.subjectFormat,
    enterpriseSlug: github.enterpriseSlug,
    subjectClaimKeys: github.subjectClaimKeys,
  };
}

/** Runs each stack under the mocks (in parallel) and reads its facts. */
export async function loadStackFacts(projectDir: string, stacks: readonly string[]): Promise<StackFacts[]> {
  return Promise.all(
    stacks.map(async (stack) =>
      stackFacts(await runStackUnderMocks({ stack, projectDir }), trustedRepository(projectDir, stack)),
    ),
  );
}
