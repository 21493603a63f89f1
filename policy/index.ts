/**
 * The zero-secrets CrossGuard pack. This file only assembles the pack: each rule family lives in
 * rules/<family>.ts, the secret detector in detect/, the trust evaluator (IAM and Entra) in iam/.
 * Every rule is served twice (lib/rule.ts): on each resource's inputs (Analyze) and on the
 * stack's resulting state (AnalyzeStack, as `<rule>-stack`).
 */
import { PolicyPack } from "@pulumi/policy";
import { trackSecrets } from "./lib/secrets";
import { bothPolicies } from "./lib/rule";
import { ciCredentials, publicIdsAsCiSecrets } from "./rules/ci-credentials";
import { federation } from "./rules/federation";
import { appRegistrationCertificates, mintedCredentials } from "./rules/minted-credentials";
import { selfEscalation } from "./rules/self-escalation";
import { unknownValues } from "./rules/unknown-values";
import { workloadConfig } from "./rules/workload-config";

// Rules must know which values the program marked secret; the SDK forgets it unless told otherwise.
trackSecrets();

new PolicyPack("zero-secrets", {
  enforcementLevel: "mandatory",
  policies: [
    ...bothPolicies(mintedCredentials),
    ...bothPolicies(appRegistrationCertificates),
    ...bothPolicies(ciCredentials),
    ...bothPolicies(publicIdsAsCiSecrets),
    ...bothPolicies(workloadConfig),
    ...bothPolicies(federation),
    ...bothPolicies(selfEscalation),
    ...bothPolicies(unknownValues),
  ],
});
