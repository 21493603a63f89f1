/**
 * Values unknown during preview. Federation and credential NAMES that are unknown are violations
 * in their own rules. Workload payloads (container definitions, environments, app settings, user
 * data, secret values, CI secret values) are routinely unknown at preview because they are built
 * from other resources' outputs; the pack scans them again with real values when `pulumi up`
 * registers the resource, before it is created, where a violation stops the update. This advisory
 * rule says which payloads could not be scanned at preview, so the gap is visible, never silent.
 */
import { schemaWith } from "../lib/config";
import { Rule } from "../lib/rule";
import { unknownPaths } from "../lib/values";
import { violationMessage } from "../lib/violation";

/** Top-level properties that carry workload payloads. */
const PAYLOAD_PROPERTIES = new Set([
    "containerDefinitions", "environment", "variables", "appSettings", "siteConfig", "template", "configuration",
    "userData", "userDataBase64", "customData", "secretString", "secretBinary", "value", "plaintextValue", "properties",
]);

export const previewUnknowns: Rule = {
    name: "payloads-unverifiable-during-preview",
    description: "Workload payloads unknown during preview are scanned at update time; this lists them so the gap is visible.",
    enforcementLevel: "advisory",
    configSchema: schemaWith(),
    check({ type, name, props }) {
        const paths = Object.entries(props)
            .filter(([key]) => PAYLOAD_PROPERTIES.has(key))
            .flatMap(([key, value]) => unknownPaths(value, key));
        if (paths.length === 0) return [];
        return [violationMessage(name, type, `cannot be scanned for secrets during preview (unknown: ${paths.join(", ")}); it is scanned when pulumi up registers it`,
            "nothing now; the update fails if a secret turns up")];
    },
};
