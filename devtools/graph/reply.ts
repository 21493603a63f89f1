// An answer to an API or download request, and the one place that writes it: JSON bodies, the
// request-id header Graph sets on errors, and any extra headers (Retry-After, Location, Content-Range).
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphErrorBody } from "./errors";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function errorReply(
  req: IncomingMessage,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return { status, body: graphErrorBody(code, message, req), headers };
}

/** Graph's throttling answer: 429 TooManyRequests or 503 serviceNotAvailable, with Retry-After in seconds. */
export function throttledReply(req: IncomingMessage, status: 429 | 503, retryAfterSeconds: number): Reply {
  const [code, message] =
    status === 429
      ? [
          "TooManyRequests",
          "Too many requests: the application or user has been throttled. Retry after the number of seconds in Retry-After.",
        ]
      : [
          "serviceNotAvailable",
          "The service is temporarily unavailable. Retry after the number of seconds in Retry-After.",
        ];
  return errorReply(req, status, code, message, { "retry-after": String(retryAfterSeconds) });
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const body = reply.body === undefined ? "" : JSON.stringify(reply.body);
  const requestId = (reply.body as { error?: { innerError?: Record<string, string> } } | undefined)?.error
    ?.innerError?.["request-id"];
  res.writeHead(reply.status, {
    ...(body ? { "content-type": "application/json; odata.metadata=minimal; charset=utf-8" } : {}),
    "content-length": String(Buffer.byteLength(body)),
    ...(requestId ? { "request-id": requestId } : {}),
    ...reply.headers,
  });
  res.end(body);
}
