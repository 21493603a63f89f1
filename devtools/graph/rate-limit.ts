// The request budget, per application as Graph keeps it: a sliding one-second window per app (the
// bearer token's appid/azp claim; requests without a token count as one anonymous app). Beyond
// maxRequestsPerSecond an app's requests answer 429 with a Retry-After that covers the time until its
// window has room again (whole seconds, at least 1), as Graph does. Graph's real budgets are resource
// units over longer windows (https://learn.microsoft.com/graph/throttling-limits); a flat rate stands in.
import type { IncomingMessage } from "node:http";

export class RateLimit {
  private readonly accepted = new Map<string, number[]>();

  constructor(private readonly maxPerSecond: number | undefined) {}

  /** undefined when the request may proceed (and is counted), else the Retry-After in seconds. */
  admit(now = Date.now(), app = "anonymous"): number | undefined {
    if (this.maxPerSecond === undefined) return undefined;
    let window = this.accepted.get(app);
    if (window === undefined) this.accepted.set(app, (window = []));
    while (window.length > 0 && window[0] <= now - 1000) window.shift();
    if (window.length < this.maxPerSecond) {
      window.push(now);
      return undefined;
    }
    return Math.max(1, Math.ceil((window[0] + 1000 - now) / 1000));
  }
}

/** The application a request comes from: its bearer token's appid (v1) or azp (v2) claim, unverified. */
export function applicationOf(req: IncomingMessage): string {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  try {
    const claims = JSON.parse(Buffer.from(token?.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      appid?: string;
      azp?: string;
    };
    return claims.appid ?? claims.azp ?? "anonymous";
  } catch {
    return "anonymous";
  }
}
