/** The bootstrap stack's configuration (`zerosecrets-bootstrap:*`), validated once; errors name the key. */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DEFAULT_GRAPH_BASE_URL, SITE_ROLES } from "../components/site-grant";
import type { SiteRole } from "../components/site-permissions-api";
import { GUID_PATTERN, SITE_ID_PATTERN } from "../components/validation";

export const BOOTSTRAP_NAMESPACE = "zerosecrets-bootstrap";

const schema = z.strictObject({
  siteIds: z
    .array(z.string().regex(SITE_ID_PATTERN, "expected a Graph site ID: hostname,siteCollectionId,siteId"))
    .min(1, "expected at least one site"),
  syncClientId: z
    .string()
    .regex(GUID_PATTERN, "expected the sync identity's client ID (the main stack's output azureSyncClientId)"),
  roles: z
    .array(z.enum(SITE_ROLES as [SiteRole, ...SiteRole[]]))
    .min(1)
    .default(["read"]),
  displayName: z.string().min(1).default("zero-secrets SharePoint sync"),
  graphBaseUrl: z.url({ protocol: /^https$/, error: "expected an https URL" }).default(DEFAULT_GRAPH_BASE_URL),
});
export type BootstrapConfig = z.output<typeof schema>;

/** Validates raw values (keys without the namespace); throws one error listing every problem. */
export function parseBootstrapConfig(stack: string, raw: Record<string, unknown>): BootstrapConfig {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) =>
      `${BOOTSTRAP_NAMESPACE}:${i.path
        .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
        .join(".")
        .replace(/\.\[/g, "[")}: ${i.message}`,
  );
  throw new Error(
    `Stack "${stack}" has invalid configuration (bootstrap/Pulumi.${stack}.yaml):\n  - ${problems.join("\n  - ")}`,
  );
}

export function loadBootstrapConfig(): BootstrapConfig {
  const config = new pulumi.Config(BOOTSTRAP_NAMESPACE);
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const text = config.get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  return parseBootstrapConfig(pulumi.getStack(), raw);
}
