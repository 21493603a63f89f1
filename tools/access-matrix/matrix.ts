/**
 * The job × identity matrix: every job run (intended and impostor) against every identity both stacks create, with
 * the decision of the cloud that would judge the token — STS evaluating the role's trust policy (with the condition
 * keys STS exposes for GitHub's issuer), Entra matching the identity's federated credentials — through the project's
 * one evaluator (policy/iam). A finding is a job that uses an identity and would be denied, a login the published
 * variables do not resolve, or an impostor admitted anywhere.
 */
import {
  ENTRA_TOKEN_EXCHANGE_AUDIENCE,
  evaluateTrustPolicy,
  issuerPrefixOfProvider,
  matchFederatedCredential,
  webIdentityContext,
} from "../../policy/iam";
import type { Identity } from "./identities";
import type { JobRun } from "./runs";

/** The audience configure-aws-credentials asks GitHub for. */
export const AWS_AUDIENCE = "sts.amazonaws.com";

export interface Cell {
  readonly identity: Identity;
  readonly used: boolean;
  readonly admitted: boolean;
  readonly why: string;
}

export interface Row {
  readonly run: JobRun;
  readonly cells: readonly Cell[];
}

export interface Matrix {
  readonly identities: readonly Identity[];
  readonly rows: readonly Row[];
  readonly findings: readonly string[];
}

/** Whether the identity admits the run's token, and why. */
export function judge(run: JobRun, identity: Identity): { admitted: boolean; why: string } {
  const cloud = cloudDecision(run, identity);
  if (run.issued) return cloud;
  // GitHub's gate decides; the cloud's answer is shown too (defence in depth, or the lack of it).
  return {
    admitted: false,
    why: `no token: ${run.notIssued!}; were one issued, ${cloud.admitted ? "it would be ADMITTED" : "it would be denied"} (${cloud.why})`,
  };
}

/** What the cloud would decide for the run's token. */
function cloudDecision(run: JobRun, identity: Identity): { admitted: boolean; why: string } {
  if (identity.kind === "aws") {
    const prefix = issuerPrefixOfProvider(identity.providerArn)!;
    const decision = evaluateTrustPolicy(identity.trustPolicy, {
      principal: { type: "Federated", id: identity.providerArn },
      context: webIdentityContext(prefix, { ...run.claims, aud: AWS_AUDIENCE }),
    });
    return { admitted: decision.decision === "allow", why: `STS: ${decision.reason}` };
  }
  const token = {
    issuer: identity.credentials[0]?.issuer ?? "",
    subject: run.claims.sub!,
    audience: ENTRA_TOKEN_EXCHANGE_AUDIENCE,
    claims: run.claims,
  };
  const results = identity.credentials.map((credential) => ({
    credential,
    result: matchFederatedCredential(credential, token),
  }));
  const match = results.find((r) => r.result.matched);
  if (match)
    return {
      admitted: true,
      why: `Entra: federated credential ${match.credential.subject ?? String(match.credential.claimsMatchingExpression)} matches (${match.result.reason})`,
    };
  return {
    admitted: false,
    why: `Entra: no federated credential matches sub ${run.claims.sub}: ${results.map((r) => r.result.reason).join("; ")}`,
  };
}

function usesIdentity(run: JobRun, identity: Identity): boolean {
  return identity.kind === "aws" ? run.uses.aws.includes(identity.arn) : run.uses.entra.includes(identity.clientId);
}

export function buildMatrix(runs: readonly JobRun[], identities: readonly Identity[]): Matrix {
  const findings: string[] = [];
  const rows = runs.map((run): Row => {
    const cells = identities.map((identity): Cell => ({
      identity,
      used: usesIdentity(run, identity),
      ...judge(run, identity),
    }));
    for (const cell of cells) {
      if (run.impostor === undefined && cell.used && !cell.admitted) {
        findings.push(
          `${run.label} (${run.context.description}) uses ${identityLabel(cell.identity)} but would be denied: ${cell.why}`,
        );
      }
      if (run.impostor !== undefined && cell.admitted) {
        findings.push(
          `${identityLabel(cell.identity)} admits an impostor, ${run.impostor.description} (${run.label}): ${cell.why}`,
        );
      }
    }
    for (const problem of run.unresolved) findings.push(problem);
    if (run.impostor === undefined) {
      const known = (kind: Identity["kind"], id: string) =>
        identities.some((i) => i.kind === kind && (i.kind === "aws" ? i.arn : i.clientId) === id);
      for (const arn of run.uses.aws)
        if (!known("aws", arn)) findings.push(`${run.label} logs in as ${arn}, a role no stack creates`);
      for (const clientId of run.uses.entra)
        if (!known("entra", clientId))
          findings.push(`${run.label} signs in to Azure as client ${clientId}, an identity no stack creates`);
    }
    return { run, cells };
  });
  return { identities, rows, findings: [...new Set(findings)] };
}

export function identityLabel(identity: Identity): string {
  return `${identity.kind === "aws" ? "AWS role" : "Entra identity"} ${identity.name} (${identity.stack})`;
}
