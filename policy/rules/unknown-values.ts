/**
 * Values unknown during preview: never passed, always reported, enforced at update.
 *
 * During a preview the engine sends a sentinel for every value that depends on a resource not
 * yet created (a provider ARN, a task role ARN, an issuer URL, a JSON document built with
 * pulumi.jsonStringify). The rule families skip what they cannot see; this rule lists it, so the
 * gap is never silent. When `pulumi up` registers the resource the values are known, and the
 * families judge them before the resource is created: a mandatory violation stops the update.
 *
 * Advisory by default because `pulumi up` previews first and a mandatory finding there would make
 * every first deployment impossible. Teams that want previews to block can set it to mandatory.
 */
import { schemaWith } from "../lib/config";
import { Rule } from "../lib/rule";
import { unknownPaths } from "../lib/values";
import { violationMessage } from "../lib/violation";

/** Properties whose value a rule family must see: workload payloads, trust relationships, CI secret names. */
const WATCHED_PROPERTIES = new Set([
  // payloads (no-secrets-in-workload-config, no-credentials-in-ci)
  "containerDefinitions",
  "environment",
  "variables",
  "appSettings",
  "siteConfig",
  "template",
  "configuration",
  "userData",
  "userDataBase64",
  "customData",
  "secretString",
  "secretBinary",
  "value",
  "plaintextValue",
  "properties",
  "secretName",
  "variableName",
  // trust relationships (federation-admits-only-the-intended-workload)
  "assumeRolePolicy",
  "assumeRolePolicyDocument",
  "issuer",
  "subject",
  "audiences",
  "audience",
  "claimsMatchingExpression",
  // role permissions (no-self-escalation)
  "policy",
  "inlinePolicies",
  "policies",
]);

export const unknownValues: Rule = {
  name: "values-unknown-during-preview",
  description:
    "Lists values the pack cannot judge during preview (they are judged when pulumi up registers the resource); set mandatory to make previews block on them.",
  enforcementLevel: "advisory",
  configSchema: schemaWith(),
  check({ type, name, props }) {
    const paths = Object.entries(props)
      .filter(([key]) => WATCHED_PROPERTIES.has(key))
      .flatMap(([key, value]) => unknownPaths(value, key));
    if (paths.length === 0) return [];
    return [
      violationMessage(
        name,
        type,
        `cannot be judged during preview (unknown: ${paths.join(", ")}); the pack judges it when pulumi up registers the resource, before it is created`,
        "nothing, unless previews must block: then build these values from known inputs or set this rule to mandatory",
      ),
    ];
  },
};
