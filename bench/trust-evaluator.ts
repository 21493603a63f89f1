/**
 * What the trust evaluator costs: a concrete decision (the IAM enforcement in front of the emulators makes one per
 * AWS call), a trust-policy decision for a GitHub token (one per job x identity in the matrix), and the symbolic
 * analysis of a trust policy (one per role the pack judges). Medians of several rounds, the machine's load average
 * beside them.
 *
 *   npx tsx bench/trust-evaluator.ts [rounds]
 */
import * as os from "node:os";
import { deployRoleSpec, stackBoundaryArn } from "../components/github-roles";
import { ROLE_WRITE_ACTIONS } from "../components/iam-policy";
import {
  analyseEscalation,
  analyseWebIdentityTrust,
  evaluateIdentityPolicy,
  evaluateTrustPolicy,
  parsePolicy,
  providerArn,
  webIdentityContext,
} from "../policy/iam";

const ROUNDS = Number(process.argv[2] ?? 7);
const GH = "token.actions.githubusercontent.com";
const ACCOUNT = "111122223333";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median microseconds per call of `fn`, each round timing `iterations` calls. */
function measure(iterations: number, fn: (i: number) => unknown): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  return median(rounds);
}

const scope = {
  accountId: ACCOUNT,
  region: "ap-southeast-2",
  namePrefix: "zs-dev",
  permissionsBoundaryArn: stackBoundaryArn(ACCOUNT, "zs-dev"),
};
const SELF = `arn:aws:iam::${ACCOUNT}:role/zs-dev-github-deploy-1a2b3c4`;
/** The deploy role's policy as the component builds it: the spec's statements and the Deny on its own ARN. */
const deployPolicy = parsePolicy({
  Version: "2012-10-17",
  Statement: [
    ...deployRoleSpec(scope, [{ kind: "environment", environment: "dev" }]).statements,
    { Sid: "DenyEditingItself", Effect: "Deny", Action: ROLE_WRITE_ACTIONS, Resource: SELF },
  ],
});
const trust = (sub: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: providerArn(ACCOUNT) },
        Condition: { StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${GH}:sub`]: sub } },
      },
    ],
  });
const exact = trust("repo:contoso/app:environment:prod");
const claims = {
  sub: "repo:contoso/app:environment:prod",
  aud: "sts.amazonaws.com",
  repository: "contoso/app",
  repository_id: "1",
};

const figures: Array<[string, number]> = [
  [
    "identity decision (deploy role policy, 20 statements, parsed once)",
    measure(20_000, (i) =>
      evaluateIdentityPolicy(deployPolicy, {
        action: i % 2 ? "dynamodb:CreateTable" : "iam:CreateRole",
        resource: `arn:aws:dynamodb:ap-southeast-2:${ACCOUNT}:table/zs-dev-${i % 50}`,
      }),
    ),
  ],
  [
    "trust decision for a GitHub token (policy text parsed each call)",
    measure(20_000, () =>
      evaluateTrustPolicy(exact, {
        principal: { type: "Federated", id: providerArn(ACCOUNT) },
        context: webIdentityContext(GH, claims),
      }),
    ),
  ],
  ["symbolic analysis, exact subject (no finding)", measure(300, () => analyseWebIdentityTrust(exact))],
  [
    "symbolic analysis, repo:contoso*/app:* (six findings)",
    measure(300, () => analyseWebIdentityTrust(trust("repo:contoso*/app:*"))),
  ],
  [
    "escalation analysis of the deploy role's policy",
    measure(100, () => analyseEscalation([deployPolicy], { roleName: "zs-dev-github-deploy-1a2b3c4" })),
  ],
];

console.log(
  `trust evaluator, median of ${ROUNDS} rounds (Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")})`,
);
for (const [what, micros] of figures) console.log(`  ${micros.toFixed(1).padStart(9)} µs  ${what}`);
// What was measured must be the real judgement, not an error path.
const sanity = {
  deployRoleEscalations: analyseEscalation([deployPolicy], { roleName: "zs-dev-github-deploy-1a2b3c4" }).length,
  exactTrustFindings: analyseWebIdentityTrust(exact).length,
  wildcardTrustFindings: analyseWebIdentityTrust(trust("repo:contoso*/app:*")).length,
};
console.log(`  findings: ${JSON.stringify(sanity)}`);
