// How each service says "no": the status, code and body shape the real service answers with, so the SDK raises
// the same exception and the worker explains it the same way it would in AWS.
// - DynamoDB (JSON 1.0): 400 `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":…}`; a bad key
//   is UnrecognizedClientException, a bad signature InvalidSignatureException, an expired session
//   ExpiredTokenException.
// - S3 (REST-XML): 403 `<Error><Code>AccessDenied</Code><Message>…</Message>…</Error>` (no body for HEAD); a bad
//   key is InvalidAccessKeyId, a bad signature SignatureDoesNotMatch, an expired session 400 ExpiredToken.
// - STS (query): `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>…`.
// - SQS (JSON 1.0, query-compatible): the JSON error shape of "Interpreting Amazon SQS JSON API responses" (SQS
//   Developer Guide, sqs-json-api-responses.html): a `__type` and a `message` in the body, and the query protocol's
//   code and fault in `x-amzn-query-error: <Code>;Sender`, from which @aws-sdk/client-sqs names the error
//   (AwsJson1_0Protocol.handleError reads that header first when the service is awsQueryCompatible). Access denied
//   is `AccessDenied` with 403, the status SQS has always answered it with; its body's `__type` is the framework's
//   `com.amazon.coral.service#AccessDeniedException` as DynamoDB's (the SDK does not read it when the header is
//   there). SQS names the action in lower case in the message ("is not authorized to perform: sqs:sendmessage on
//   resource: arn:aws:sqs:…", https://github.com/aws/serverless-application-model/issues/3633). Signature failures
//   are the common errors of the query APIs, as STS's.
// The AccessDenied message is IAM's: "User: <principal> is not authorized to perform: <action> on resource:
// <resource> because no identity-based policy allows the <action> action" (or "with an explicit deny in an
// identity-based policy"), as AWS words it since 2021 ("IAM … access denied error messages", AWS What's New).
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { escapeXml } from "../sts/query-protocol";
import type { SignatureProblemKind } from "../sts/sigv4";

export type Service = "dynamodb" | "s3" | "sts" | "sqs";

export interface ServiceError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Which policy refused a call, as IAM's message names it. */
export type Refusal = "identity" | "explicitDeny" | "boundary" | "boundaryDeny";

/** IAM's access-denied message, naming the principal, the action, (unless `*`) the resource and the policy type. */
export function accessDeniedMessage(
  principalArn: string,
  action: string,
  resource: string,
  refusal: Refusal,
  service: Service,
): string {
  const on = resource === "*" ? "" : ` on resource: ${service === "s3" ? `"${resource}"` : resource}`;
  const named = service === "sqs" ? action.toLowerCase() : action;
  const because = {
    identity: `because no identity-based policy allows the ${named} action`,
    explicitDeny: "with an explicit deny in an identity-based policy",
    boundary: `because no permissions boundary allows the ${named} action`,
    boundaryDeny: "with an explicit deny in a permissions boundary",
  }[refusal];
  return `User: ${principalArn} is not authorized to perform: ${named}${on} ${because}`;
}

/** The common errors of the query APIs (STS, and SQS in its query-compatible codes). */
const QUERY_SIGNATURE_ERRORS: Record<SignatureProblemKind, { status: number; code: string }> = {
  missing: { status: 403, code: "MissingAuthenticationToken" },
  incomplete: { status: 400, code: "IncompleteSignature" },
  unknownKey: { status: 403, code: "InvalidClientTokenId" },
  expired: { status: 400, code: "ExpiredToken" },
  badToken: { status: 403, code: "InvalidClientTokenId" },
  mismatch: { status: 403, code: "SignatureDoesNotMatch" },
};

const SIGNATURE_ERRORS: Record<Service, Record<SignatureProblemKind, { status: number; code: string }>> = {
  dynamodb: {
    missing: { status: 400, code: "MissingAuthenticationTokenException" },
    incomplete: { status: 400, code: "IncompleteSignatureException" },
    unknownKey: { status: 400, code: "UnrecognizedClientException" },
    expired: { status: 400, code: "ExpiredTokenException" },
    badToken: { status: 400, code: "UnrecognizedClientException" },
    mismatch: { status: 400, code: "InvalidSignatureException" },
  },
  s3: {
    missing: { status: 403, code: "AccessDenied" },
    incomplete: { status: 400, code: "AuthorizationHeaderMalformed" },
    unknownKey: { status: 403, code: "InvalidAccessKeyId" },
    expired: { status: 400, code: "ExpiredToken" },
    badToken: { status: 400, code: "InvalidToken" },
    mismatch: { status: 403, code: "SignatureDoesNotMatch" },
  },
  sts: QUERY_SIGNATURE_ERRORS,
  sqs: QUERY_SIGNATURE_ERRORS,
};

export function signatureError(service: Service, kind: SignatureProblemKind, message: string): ServiceError {
  return { ...SIGNATURE_ERRORS[service][kind], message };
}

export function accessDenied(service: Service, message: string): ServiceError {
  return {
    status: service === "dynamodb" ? 400 : 403,
    code: service === "dynamodb" ? "AccessDeniedException" : "AccessDenied",
    message,
  };
}

/** Writes the error in the service's own shape. */
export function sendServiceError(res: ServerResponse, service: Service, error: ServiceError, method: string): void {
  const requestId = randomUUID();
  if (service === "dynamodb" || service === "sqs") {
    const body = JSON.stringify(
      service === "dynamodb"
        ? { __type: `com.amazon.coral.service#${error.code}`, Message: error.message }
        : {
            __type: `com.amazon.coral.service#${error.code === "AccessDenied" ? "AccessDeniedException" : error.code}`,
            message: error.message,
          },
    );
    res.writeHead(error.status, {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": requestId,
      ...(service === "sqs" ? { "x-amzn-query-error": `${error.code};Sender` } : {}),
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
    return;
  }
  const body =
    service === "s3"
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`
      : `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  // HEAD answers carry no body (S3 reports HEAD errors by status alone).
  const payload = method === "HEAD" ? "" : body;
  res.writeHead(error.status, {
    "content-type": "application/xml",
    "x-amz-request-id": requestId,
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}
