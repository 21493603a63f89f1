/**
 * The workflow lint's rules: each takes the workflow model and returns findings with the fix to apply.
 * They target what turns a CI system into a store of long-lived cloud credentials, and the supply-chain hole
 * (mutable action tags) through which such credentials are usually stolen.
 */
import { isCloudCredentialName } from "../../policy/detect";
import type { Permissions, WorkflowJob, WorkflowModel, WorkflowStep } from "./workflow-model";

export type RuleId =
  | "yaml"
  | "schema"
  | "cloud-secret"
  | "static-cloud-key"
  | "login-secret"
  | "login-without-id-token"
  | "unpinned-action";

/** What `--only` filters on: a team can gate on credentials before it has pinned every action. */
export type RuleCategory = "credentials" | "pinning" | "schema";

export interface RuleInfo {
  category: RuleCategory;
  severity: "error" | "warning";
  /** One line: what the rule fails. */
  description: string;
}

export const RULE_INFO: Record<RuleId, RuleInfo> = {
  yaml: { category: "schema", severity: "error", description: "The file is not valid YAML" },
  schema: {
    category: "schema",
    severity: "error",
    description: "The file does not match the GitHub Actions workflow or action metadata syntax",
  },
  "cloud-secret": {
    category: "credentials",
    severity: "error",
    description: "A secret named as a long-lived cloud credential is used",
  },
  "static-cloud-key": {
    category: "credentials",
    severity: "error",
    description: "A cloud login action is given a static key instead of an OIDC exchange",
  },
  "login-secret": {
    category: "credentials",
    severity: "error",
    description: "A login or registry action (or a login command) is given a credential stored as a GitHub secret",
  },
  "login-without-id-token": {
    category: "credentials",
    severity: "error",
    description: "An OIDC cloud login runs in a job that cannot request an ID token",
  },
  "unpinned-action": {
    category: "pinning",
    severity: "warning",
    description: "An action or reusable workflow is referenced by a movable tag or branch",
  },
};

export interface LintFinding {
  file: string;
  line: number;
  rule: RuleId;
  job?: string;
  step?: string;
  message: string;
  fix: string;
}

/** A finding before the file name is known: rules see one workflow at a time. */
export type RuleFinding = Omit<LintFinding, "file">;

/** Actions that log in to a cloud, and their inputs that carry a static credential instead of an OIDC exchange. */
const CLOUD_LOGINS: Record<string, { cloud: string; staticInputs: string[]; fix: string }> = {
  "aws-actions/configure-aws-credentials": {
    cloud: "AWS",
    staticInputs: ["aws-access-key-id", "aws-secret-access-key"],
    fix: "remove the key inputs, pass `role-to-assume` (an IAM role trusting GitHub's OIDC provider with a pinned `sub`) and grant `id-token: write`",
  },
  "azure/login": {
    cloud: "Azure",
    staticInputs: ["creds", "client-secret"],
    fix: "remove the secret, pass `client-id`, `tenant-id` and `subscription-id` of an identity with a federated credential for this repository, and grant `id-token: write`",
  },
  "google-github-actions/auth": {
    cloud: "Google Cloud",
    staticInputs: ["credentials_json"],
    fix: "use `workload_identity_provider` and `service_account` instead of a key file, and grant `id-token: write`",
  },
  "pulumi/auth-actions": {
    cloud: "Pulumi Cloud",
    staticInputs: [],
    fix: "grant `id-token: write`",
  },
};

/** `owner/repo[/path]` of a `uses:` reference, lower-cased (GitHub treats owner and repository case-insensitively). */
function actionName(uses: string): string {
  return uses.split("@")[0].split("/").slice(0, 2).join("/").toLowerCase();
}

const SECRET_REFERENCE = /secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])/g;

export function secretNamesIn(text: string): string[] {
  return [...text.matchAll(SECRET_REFERENCE)].map((match) => match[1] ?? match[2]);
}

/** `secrets.*` references whose name says they hold a cloud credential. */
export function cloudSecrets(workflow: WorkflowModel): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const report = (strings: string[], where: { line: number; job?: string; step?: string }, seen: Set<string>) => {
    for (const name of strings.flatMap(secretNamesIn)) {
      if (name.toUpperCase() === "GITHUB_TOKEN" || seen.has(name) || !isCloudCredentialName(name)) continue;
      seen.add(name);
      findings.push({
        ...where,
        rule: "cloud-secret",
        message: `secrets.${name} carries a long-lived cloud credential`,
        fix: "delete the secret and authenticate through OIDC (aws-actions/configure-aws-credentials with role-to-assume, azure/login with client-id); public IDs such as role ARNs belong in `vars.*`",
      });
    }
  };
  report(workflow.strings, { line: 1 }, new Set());
  for (const job of workflow.jobs) {
    const seen = new Set<string>();
    report(job.strings, { line: job.line, job: job.id }, seen);
    for (const step of job.steps) report(step.strings, { line: step.line, job: job.id, step: step.label }, seen);
  }
  return findings;
}

/** Static keys handed to a cloud login action. */
export function staticCloudKeys(workflow: WorkflowModel): RuleFinding[] {
  return eachStep(workflow).flatMap(({ job, step }) => {
    const login = step.uses ? CLOUD_LOGINS[actionName(step.uses)] : undefined;
    if (!login) return [];
    return login.staticInputs
      .filter((input) => input in step.with)
      .map((input) => ({
        line: step.line,
        job: job.id,
        step: step.label,
        rule: "static-cloud-key" as const,
        message: `${actionName(step.uses!)} is given the static credential input \`${input}\` (${login.cloud})`,
        fix: login.fix,
      }));
  });
}

/** Actions that sign in somewhere, beyond the cloud logins above: registries, vaults, package feeds. */
const LOGIN_ACTION_NAME = /(^|[/-])(login|auth|credentials?|registry)([/-]|$)|^hashicorp\/vault-action$/;
/** Shell commands that log in with a password or token given on the command line or stdin. */
const LOGIN_COMMAND =
  /\b(docker|podman|buildah|nerdctl)\s+login\b|\bhelm\s+registry\s+login\b|\b(oras|crane|skopeo|regctl)\s+(login|auth)\b|\bnpm\s+(login|adduser)\b|\baz\s+login\b|\baws\s+configure\s+set\b|\bgcloud\s+auth\b|\btwine\s+upload\b/;

const LOGIN_SECRET_FIX =
  "authenticate without a stored credential: ECR through an OIDC role (aws-actions/configure-aws-credentials, then amazon-ecr-login), ACR and Azure through azure/login with client-id, GHCR with GITHUB_TOKEN and `packages: write`; a registry without federation gets a short-lived token minted in the job, or at least an environment with required reviewers";

/**
 * Credentials handed to a login: a login or registry action given `secrets.*` in `with:`, or a `docker login`
 * (and friends) in a `run:` step that reads `secrets.*`. Names already reported as cloud credentials, and the
 * static-key inputs of cloud logins, are left to those rules.
 */
export function loginSecrets(workflow: WorkflowModel): RuleFinding[] {
  return eachStep(workflow).flatMap(({ job, step }): RuleFinding[] => {
    const where = { line: step.line, job: job.id, step: step.label, rule: "login-secret" as const };
    const report = (names: string[], how: string) =>
      [...new Set(names)]
        .filter((name) => name.toUpperCase() !== "GITHUB_TOKEN" && !isCloudCredentialName(name))
        .map((name) => ({
          ...where,
          message: `${how} is given secrets.${name}: a long-lived credential stored in GitHub`,
          fix: LOGIN_SECRET_FIX,
        }));
    if (step.uses) {
      const action = actionName(step.uses);
      if (!LOGIN_ACTION_NAME.test(action)) return [];
      const staticInputs = CLOUD_LOGINS[action]?.staticInputs ?? [];
      return Object.entries(step.with)
        .filter(([input, value]) => typeof value === "string" && !staticInputs.includes(input))
        .flatMap(([input, value]) => report(secretNamesIn(value as string), `${action} (input \`${input}\`)`));
    }
    const script = step.strings.join("\n");
    const command = LOGIN_COMMAND.exec(script);
    return command ? report(secretNamesIn(script), `\`${command[0]}\``) : [];
  });
}

/** Whether a `permissions:` value grants `id-token: write`. Absent means the repository default, which never does. */
export function grantsIdToken(permissions: Permissions): boolean {
  if (permissions === undefined) return false;
  if (typeof permissions === "string") return permissions === "write-all";
  return permissions["id-token"] === "write";
}

/** Steps that log in to a cloud through OIDC (static-key logins are reported by staticCloudKeys instead). */
export function oidcLogins(
  workflow: WorkflowModel,
): { job: WorkflowJob; step: WorkflowStep; cloud: string; action: string }[] {
  return eachStep(workflow).flatMap(({ job, step }) => {
    const action = step.uses ? actionName(step.uses) : "";
    const login = CLOUD_LOGINS[action];
    if (!login || login.staticInputs.some((input) => input in step.with)) return [];
    return [{ job, step, cloud: login.cloud, action }];
  });
}

/**
 * An OIDC cloud login in a job whose token cannot request an ID token: the login fails at run time, and the usual
 * "fix" people reach for is a static key. Job-level permissions replace the workflow's.
 */
export function loginWithoutIdToken(workflow: WorkflowModel): RuleFinding[] {
  if (workflow.kind === "action") return []; // a composite action inherits the calling job's permissions
  return oidcLogins(workflow)
    .filter(({ job }) => !grantsIdToken(job.permissions !== undefined ? job.permissions : workflow.permissions))
    .map(({ job, step, cloud, action }) => ({
      line: step.line,
      job: job.id,
      step: step.label,
      rule: "login-without-id-token" as const,
      message: `${action} logs in to ${cloud} through OIDC but job "${job.id}" does not grant \`id-token: write\``,
      fix: `add \`permissions: { contents: read, id-token: write }\` to job "${job.id}" (only to the jobs that log in)`,
    }));
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const DOCKER_DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Actions and reusable workflows referenced by a tag or branch, which their owner (or a thief) can move. */
export function unpinnedActions(workflow: WorkflowModel): RuleFinding[] {
  const references: { uses: string; line: number; job: string; step?: string }[] = [];
  for (const job of workflow.jobs) {
    if (job.uses) references.push({ uses: job.uses, line: job.line, job: job.id });
    for (const step of job.steps)
      if (step.uses) references.push({ uses: step.uses, line: step.line, job: job.id, step: step.label });
  }
  return references.flatMap(({ uses, ...where }) => {
    if (uses.startsWith("./")) return []; // same repository, same commit
    if (uses.startsWith("docker://")) {
      return DOCKER_DIGEST.test(uses)
        ? []
        : [
            {
              ...where,
              rule: "unpinned-action" as const,
              message: `${uses} is not pinned by digest`,
              fix: "reference the image as docker://IMAGE@sha256:<digest>",
            },
          ];
    }
    const ref = uses.includes("@") ? uses.slice(uses.lastIndexOf("@") + 1) : "";
    if (FULL_SHA.test(ref)) return [];
    return [
      {
        ...where,
        rule: "unpinned-action" as const,
        message: ref ? `${uses} is pinned to \`${ref}\`, which can be moved` : `${uses} has no ref`,
        fix: `pin the full 40-character commit SHA of a release and keep the tag as a comment: uses: ${uses.split("@")[0]}@<sha> # ${ref || "vX.Y.Z"}`,
      },
    ];
  });
}

function eachStep(workflow: WorkflowModel): { job: WorkflowJob; step: WorkflowStep }[] {
  return workflow.jobs.flatMap((job) => job.steps.map((step) => ({ job, step })));
}

export const RULES = [cloudSecrets, staticCloudKeys, loginSecrets, loginWithoutIdToken, unpinnedActions];
