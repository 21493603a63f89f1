/** Small validation helpers shared by the components and the config schema, so both report the same way. */

import { GRAPH_SITE_ID_PATTERN, GUID_PATTERN } from "../worker/src/contract";

/** Graph site IDs as the worker splits them (the shared contract's): `hostname,siteCollectionGuid,siteGuid`. */
export const SITE_ID_PATTERN = GRAPH_SITE_ID_PATTERN;

/** Entra tenant, client, subscription and object IDs (the shared contract's pattern). */
export { GUID_PATTERN };

/** Runs a check and prefixes its error message with the field it checked, so the user knows what to fix. */
export function withField<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new Error(`${field}: ${(err as Error).message}`, { cause: err });
  }
}

/** Throws unless `value` is a GUID; the message names the field. */
export function checkGuid(field: string, value: string): void {
  if (!GUID_PATTERN.test(value)) {
    throw new Error(`${field} must be a GUID like 00000000-0000-0000-0000-000000000000, got "${value}"`);
  }
}
