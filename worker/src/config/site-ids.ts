// SYNC_SITE_IDS is comma-separated, but a real Graph site id is itself "hostname,siteCollectionId,webId".
// A hostname followed by two GUIDs is therefore read as ONE site id; anything else is one id per token.
// The patterns are the shared contract's, so every site id the stack accepts splits back into itself.
import { GUID_PATTERN as GUID, HOSTNAME_PATTERN as HOSTNAME } from "../contract";

/** Characters a site id may hold: it becomes part of a Graph URL path and of an S3 key. */
export const SITE_ID_PATTERN = /^[A-Za-z0-9._,-]+$/;

export function splitSiteIds(raw: string): string[] {
  const tokens = raw
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const ids: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const [host, site, web] = tokens.slice(i, i + 3);
    if (HOSTNAME.test(host) && site !== undefined && web !== undefined && GUID.test(site) && GUID.test(web)) {
      ids.push(`${host},${site},${web}`);
      i += 2;
    } else {
      ids.push(host);
    }
  }
  return ids;
}
