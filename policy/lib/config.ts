/**
 * Configuration every rule accepts, and how a rule reads it. The engine validates a stack's
 * policy config against these schemas before the pack sees it.
 */
import { PolicyConfigSchema } from "@pulumi/policy";

/** Resources a team has reviewed and accepted: exact URNs, or logical names. */
export const allowedResourcesProperty = {
  allowedResources: {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "URNs or logical resource names exempt from this rule (a reviewed exception).",
  },
} as const;

export function schemaWith(properties: Record<string, object> = {}): PolicyConfigSchema {
  return { properties: { ...allowedResourcesProperty, ...properties } } as PolicyConfigSchema;
}

export function isAllowedResource(config: { allowedResources?: string[] }, urn: string, name: string): boolean {
  const allowed = config.allowedResources ?? [];
  return allowed.includes(urn) || allowed.includes(name);
}
