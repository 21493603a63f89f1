// Graph failures the worker acts on, each with what the caller needs to decide.
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly url: string,
  ) {
    super(`Graph ${status} ${code} for ${redact(url)}: ${message}`);
    this.name = "GraphRequestError";
  }
}

/** 410 Gone on a delta or next link: the round must restart as a full resync. */
export class ResyncRequiredError extends GraphRequestError {
  constructor(
    code: string,
    message: string,
    url: string,
    readonly location?: string,
  ) {
    super(410, code, message, url);
    this.name = "ResyncRequiredError";
  }
}

/** Drops query strings (delta tokens, download signatures) from URLs written to logs and errors. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}
