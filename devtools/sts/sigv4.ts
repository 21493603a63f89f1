// Verifies an incoming AWS Signature Version 4 by signing the same request again with the secret
// that belongs to its access key (the Smithy signer the SDK itself uses), then comparing.
// This is how the emulators know WHICH principal is calling, and that the caller holds its key.
// One verifier for every service the project emulates: STS here, and DynamoDB, S3 and STS again in
// the IAM enforcement layer (devtools/iam). Each service renders a failure in its own error shape.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { signatureError } from "../iam/service-errors";
import { StsError } from "./query-protocol";

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

class NodeSha256 {
  private hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not used by the signer for one-shot signing");
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** A key pair a principal signs with: a role session's (with its token and expiry) or a long-term key. */
export interface SigningIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Role sessions only: the request must carry it in x-amz-security-token. */
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface SignedRequest {
  method: string;
  /** The path exactly as it arrived (still percent-encoded), without the query. */
  path: string;
  /** Decoded query parameters; repeated names become lists. */
  query?: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  /** The body as signed; S3 signs its hash header instead (x-amz-content-sha256), so it may be left empty there. */
  body: string;
}

export type SignatureProblemKind = "missing" | "incomplete" | "unknownKey" | "expired" | "badToken" | "mismatch";

/** Why a signature was refused; each service turns it into its own error code and shape. */
export class SignatureProblem extends Error {
  constructor(
    readonly kind: SignatureProblemKind,
    message: string,
  ) {
    super(message);
    this.name = "SignatureProblem";
  }
}

export interface VerifiedRequest<T extends SigningIdentity> {
  readonly identity: T;
  readonly region: string;
  readonly service: string;
}

/**
 * Returns who signed the request, or throws a {@link SignatureProblem}. `uriEscapePath: false` for S3, which signs
 * the path as sent instead of escaping it again (SigV4 for S3, "Create a canonical request"). `service`, when
 * given, is the signing name the credential scope must carry, as AWS refuses a signature scoped to another service.
 */
export async function verifySignature<T extends SigningIdentity>(
  req: SignedRequest,
  lookup: (accessKeyId: string) => T | undefined,
  opts: { uriEscapePath?: boolean; service?: string } = {},
): Promise<VerifiedRequest<T>> {
  const header = req.headers.authorization;
  if (!header) throw new SignatureProblem("missing", "Request is missing Authentication Token");
  const m = AUTHORIZATION.exec(header);
  if (!m)
    throw new SignatureProblem(
      "incomplete",
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${header.split(" ")[0]}`,
    );
  const [, accessKeyId, , region, service, signedHeaderList, signature] = m;
  if (opts.service !== undefined && service !== opts.service)
    throw new SignatureProblem("mismatch", `Credential should be scoped to correct service: '${opts.service}'.`);
  const identity = lookup(accessKeyId);
  if (!identity) throw new SignatureProblem("unknownKey", "The security token included in the request is invalid.");
  if (identity.expiration !== undefined && identity.expiration.getTime() <= Date.now())
    throw new SignatureProblem("expired", "The security token included in the request is expired");
  if (req.headers["x-amz-security-token"] !== identity.sessionToken) {
    throw new SignatureProblem("badToken", "The security token included in the request is invalid.");
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaderList.split(";")) {
    const value = req.headers[name];
    if (value === undefined)
      throw new SignatureProblem("incomplete", `Signed header '${name}' is missing from the request`);
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const amzDate = headers["x-amz-date"];
  if (!amzDate) throw new SignatureProblem("incomplete", "x-amz-date must be signed");
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));

  const signer = new SignatureV4({
    service,
    region,
    sha256: NodeSha256,
    uriEscapePath: opts.uriEscapePath ?? true,
    credentials: { accessKeyId, secretAccessKey: identity.secretAccessKey, sessionToken: identity.sessionToken },
  });
  const [host, port] = (headers.host ?? "").split(":");
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: host,
      port: port ? Number(port) : undefined,
      path: req.path,
      query: req.query ?? {},
      headers,
      body: req.body,
    },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? "";
  if (expectedSignature.length !== 64 || !timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature))) {
    throw new SignatureProblem(
      "mismatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return { identity, region, service };
}

/** Returns the caller's session, or throws the error STS answers with. */
export async function authenticate<T extends SigningIdentity>(
  req: SignedRequest,
  lookup: (accessKeyId: string) => T | undefined,
): Promise<T> {
  try {
    return (await verifySignature(req, lookup)).identity;
  } catch (err) {
    if (!(err instanceof SignatureProblem)) throw err;
    const { status, code } = signatureError("sts", err.kind, err.message);
    throw new StsError(status, code, err.message);
  }
}
