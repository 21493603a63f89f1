// Verifies an incoming AWS Signature Version 4 by signing the same request again with the secret
// that belongs to its access key (the Smithy signer the SDK itself uses), then comparing.
// This is how the emulator knows WHICH role is calling, and that the caller holds its key.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { IssuedCredentials } from "../ecs-credentials";
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

export interface SignedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Returns the caller's session, or throws the error STS answers with. */
export async function authenticate(
  req: SignedRequest,
  lookup: (accessKeyId: string) => IssuedCredentials | undefined,
): Promise<IssuedCredentials> {
  const header = req.headers.authorization;
  if (!header) throw new StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  const m = AUTHORIZATION.exec(header);
  if (!m)
    throw new StsError(
      400,
      "IncompleteSignature",
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${header.split(" ")[0]}`,
    );
  const [, accessKeyId, , region, service, signedHeaderList, signature] = m;
  const session = lookup(accessKeyId);
  if (!session)
    throw new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  if (session.expiration.getTime() <= Date.now())
    throw new StsError(400, "ExpiredToken", "The security token included in the request is expired");
  if (req.headers["x-amz-security-token"] !== session.sessionToken) {
    throw new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaderList.split(";")) {
    const value = req.headers[name];
    if (value === undefined)
      throw new StsError(400, "IncompleteSignature", `Signed header '${name}' is missing from the request`);
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const amzDate = headers["x-amz-date"];
  if (!amzDate) throw new StsError(400, "IncompleteSignature", "x-amz-date must be signed");
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));

  const signer = new SignatureV4({
    service,
    region,
    sha256: NodeSha256,
    credentials: { accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken },
  });
  const [host, port] = (headers.host ?? "").split(":");
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: host,
      port: port ? Number(port) : undefined,
      path: req.path,
      query: {},
      headers,
      body: req.body,
    },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? "";
  if (expectedSignature.length !== 64 || !timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature))) {
    throw new StsError(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return session;
}
