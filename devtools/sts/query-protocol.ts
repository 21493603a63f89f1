// The AWS query protocol as STS speaks it: form-encoded requests, XML responses and
// <ErrorResponse> errors, namespaced https://sts.amazonaws.com/doc/2011-06-15/.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { send } from "../entra/http";

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";

export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

/** Collects `Name.member.N` lists, as the query protocol flattens arrays. */
export function memberList(form: URLSearchParams, name: string): string[] {
  const values: Array<[number, string]> = [];
  for (const [key, value] of form) {
    const m = new RegExp(`^${name}\\.member\\.(\\d+)$`).exec(key);
    if (m) values.push([Number(m[1]), value]);
  }
  return values.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function sendResult(res: ServerResponse, action: string, fields: Record<string, string>): void {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  const body =
    `<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  send(res, 200, body, "text/xml");
}

export function sendError(res: ServerResponse, err: StsError): void {
  const body =
    `<ErrorResponse xmlns="${NS}"><Error><Type>${err.type}</Type><Code>${err.code}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  send(res, err.status, body, "text/xml");
}

/** STS's validation message shape: "1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: ...". */
export function validationError(problems: string[]): StsError {
  const n = problems.length;
  return new StsError(
    400,
    "ValidationError",
    `${n} validation error${n === 1 ? "" : "s"} detected: ${problems.join("; ")}`,
  );
}
