/**
 * The components' own checks, made by the policy pack's evaluator (policy/iam) before any resource is registered: a
 * role this program builds must pass the same judgement the pack will make of it, so a bad argument fails at
 * construction with the field named, not at the gate.
 */
import { analyseEscalation, analyseWebIdentityTrust, ENTRA_TOKEN_EXCHANGE_AUDIENCE } from "../policy/iam";
import { fixedCredentialProblems, flexibleCredentialProblems } from "../policy/iam/entra-analysis";
import { workflowPinnedExpression } from "./github-subjects";
import { ROLE_WRITE_ACTIONS, type PolicyStatement } from "./iam-policy";

/** A provider ARN to judge a trust document with before the real one (often an Output) exists. */
export function placeholderProviderArn(conditionKeyPrefix: string): string {
  return `arn:aws:iam::000000000000:oidc-provider/${conditionKeyPrefix}`;
}

/** Throws, naming `where`, when the trust admits a token its subjects do not name. */
export function assertTrustAdmitsOnlyItsSubjects(where: string, document: unknown, allowPullRequests: boolean): void {
  const findings = analyseWebIdentityTrust(JSON.parse(JSON.stringify(document)), { allowPullRequests });
  if (findings.length > 0) {
    throw new Error(`${where}: the trust policy ${findings.map((f) => f.message).join("; ")}`);
  }
}

function plainStrings(value: unknown): boolean {
  if (typeof value === "string") return true;
  if (Array.isArray(value)) return value.every(plainStrings);
  return false;
}

/**
 * Throws, naming `where`, when the statements let the role raise itself (policy/iam/escalation.ts). The role's own
 * ARN is not known yet: judged as `<name>-xxxxxxx`, the shape Pulumi's auto-naming gives it. Statements whose
 * resources are still Outputs are left to the pack.
 */
export function assertCannotRaiseItself(
  where: string,
  roleName: string,
  statements: readonly PolicyStatement[],
  denyEditingItself = false,
): void {
  if (!statements.every((s) => plainStrings(s.Resource))) return;
  const account = /arn:aws[a-z-]*:iam::(\d{12}):/.exec(JSON.stringify(statements))?.[1] ?? "000000000000";
  const self = `arn:aws:iam::${account}:role/${roleName}-xxxxxxx`;
  const all = [
    ...statements,
    ...(denyEditingItself ? [{ Effect: "Deny", Action: ROLE_WRITE_ACTIONS, Resource: self }] : []),
  ];
  const findings = analyseEscalation([{ Version: "2012-10-17", Statement: all }], { roleArn: self });
  if (findings.length > 0) throw new Error(`${where}: the role ${findings.map((f) => f.message).join("; ")}`);
}

/**
 * Throws, naming `where`, when an Entra federated credential this program is about to create would fail the pack:
 * a fixed one (issuer, exact subject), or a flexible one pinning `job_workflow_ref` as well.
 */
export function assertCredentialsAdmitOnlyTheirSubjects(
  where: string,
  credentials: ReadonlyArray<{ issuer: string; subject: string; jobWorkflowRef?: string }>,
  allowPullRequests: boolean,
): void {
  const options = { allowPullRequests };
  for (const c of credentials) {
    const problems =
      c.jobWorkflowRef === undefined
        ? fixedCredentialProblems(
            { issuer: c.issuer, subject: c.subject, audiences: [ENTRA_TOKEN_EXCHANGE_AUDIENCE] },
            options,
          )
        : flexibleCredentialProblems(
            {
              issuer: c.issuer,
              audience: ENTRA_TOKEN_EXCHANGE_AUDIENCE,
              expression: workflowPinnedExpression(c.subject, c.jobWorkflowRef),
            },
            options,
          );
    if (problems.length > 0) throw new Error(`${where}: the credential for ${c.subject} ${problems.join("; ")}`);
  }
}
