/**
 * A rule family's check, written once and served twice: as a resource policy (Analyze, the
 * inputs the engine is about to apply) and as a stack policy named `<rule>-stack` (AnalyzeStack,
 * every resource's state after the preview or update). The allow-list is applied here, once.
 */
import { EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isAllowedResource } from "./config";
import { secretPathsOf } from "./secrets";
import { plain } from "./values";

export interface CheckedResource {
  type: string;
  name: string;
  urn: string;
  /** Plain properties; values unknown during preview appear as the engine's sentinel strings. */
  props: Record<string, unknown>;
  /** Paths of the values the program marked secret (lib/secrets.ts); absent when not known. */
  secretPaths?: Set<string>;
}

export interface RuleConfig {
  allowedResources?: string[];
}

export interface Rule<C extends RuleConfig = RuleConfig> {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  configSchema: PolicyConfigSchema;
  /** Returns one message per violation (resource, property path, fix; never a secret value). */
  check(resource: CheckedResource, config: C): Promise<string[]> | string[];
}

export function resourcePolicy<C extends RuleConfig>(rule: Rule<C>): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    configSchema: rule.configSchema,
    validateResource: async (args, reportViolation) => {
      const config = args.getConfig<C>();
      if (isAllowedResource(config, args.urn, args.name)) return;
      const props = plain(args.props);
      const resource = { type: args.type, name: args.name, urn: args.urn, props, secretPaths: secretPathsOf(props) };
      for (const message of await rule.check(resource, config)) reportViolation(message);
    },
  };
}

export function stackPolicy<C extends RuleConfig>(rule: Rule<C>): StackValidationPolicy {
  return {
    name: `${rule.name}-stack`,
    description: `${rule.description} (checked on the stack's resulting state)`,
    enforcementLevel: rule.enforcementLevel,
    configSchema: rule.configSchema,
    validateStack: async (args, reportViolation) => {
      const config = args.getConfig<C>();
      for (const r of args.resources) {
        if (isAllowedResource(config, r.urn, r.name)) continue;
        const props = plain(r.props);
        const resource = { type: r.type, name: r.name, urn: r.urn, props, secretPaths: secretPathsOf(props) };
        for (const message of await rule.check(resource, config)) reportViolation(message, r.urn);
      }
    },
  };
}

/** Both policies for a rule, in the order the pack lists them. */
export function bothPolicies<C extends RuleConfig>(rule: Rule<C>): [ResourceValidationPolicy, StackValidationPolicy] {
  return [resourcePolicy(rule), stackPolicy(rule)];
}
