// Graph's error body: { error: { code, message, innerError: { date, request-id, client-request-id } } }.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; "request-id": string; "client-request-id": string };
  };
}

export function graphErrorBody(code: string, message: string, req?: IncomingMessage): GraphErrorBody {
  const requestId = randomUUID();
  const clientRequestId = (req?.headers["client-request-id"] as string | undefined) ?? requestId;
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": requestId,
        "client-request-id": clientRequestId,
      },
    },
  };
}

/** Graph's usual code for each status the emulator can be told to fail with. */
export const CODE_FOR_STATUS: Record<number, string> = {
  400: "invalidRequest",
  401: "unauthenticated",
  403: "accessDenied",
  404: "itemNotFound",
  410: "resyncRequired",
  429: "TooManyRequests",
  500: "generalException",
  501: "notSupported",
  502: "badGateway",
  503: "serviceNotAvailable",
  504: "gatewayTimeout",
};

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
