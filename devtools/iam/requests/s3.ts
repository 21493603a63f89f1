// S3 REST calls (path-style, as the worker sends them) mapped to the IAM authorisations they need, per "Actions,
// resources, and condition keys for Amazon S3" and "Required permissions for Amazon S3 API operations" (S3 User
// Guide, using-with-s3-policy-actions.html). The ones worth knowing:
// - HeadObject needs s3:GetObject; HeadBucket and ListObjects(V2) need s3:ListBucket on the bucket ARN;
// - a multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload) needs only s3:PutObject on the
//   object; AbortMultipartUpload is s3:AbortMultipartUpload, ListParts is s3:ListMultipartUploadParts;
// - CopyObject needs s3:PutObject on the target and s3:GetObject on the source; DeleteObjects needs s3:DeleteObject
//   on every key it names;
// - `s3:prefix`, `s3:delimiter` and `s3:max-keys` exist for ListBucket only (ListBucketMultipartUploads has none).
import type { RequestContext } from "../../../policy/iam";
import { type Authorisation, type ServiceScope, UnmappedRequest } from "./types";

export interface S3Call {
  readonly method: string;
  /** The path as sent (percent-encoded). */
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Only for the few calls whose authorisation depends on it (DeleteObjects). */
  readonly body?: string;
}

/** True when the call's authorisations depend on its body, which the enforcer must then read first. */
export function s3NeedsBody(call: Pick<S3Call, "method" | "query">): boolean {
  return call.method === "POST" && "delete" in call.query;
}

function has(query: S3Call["query"], name: string): boolean {
  return Object.prototype.hasOwnProperty.call(query, name);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Bucket and key of a path-style request, the key decoded. */
export function bucketAndKey(path: string): { bucket?: string; key?: string } {
  const [, bucket, ...rest] = path.split("/");
  const key = rest.length === 0 ? undefined : rest.map((part) => decodeURIComponent(part)).join("/");
  return { bucket: bucket === "" ? undefined : decodeURIComponent(bucket!), key: key === "" ? undefined : key };
}

const BUCKET_SUBRESOURCES: Array<[string, string, string]> = [
  // [query parameter, action for GET, action for PUT]
  ["tagging", "s3:GetBucketTagging", "s3:PutBucketTagging"],
  ["versioning", "s3:GetBucketVersioning", "s3:PutBucketVersioning"],
  ["encryption", "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"],
  ["policy", "s3:GetBucketPolicy", "s3:PutBucketPolicy"],
  ["acl", "s3:GetBucketAcl", "s3:PutBucketAcl"],
  ["publicAccessBlock", "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
  ["ownershipControls", "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"],
  ["lifecycle", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"],
  ["cors", "s3:GetBucketCORS", "s3:PutBucketCORS"],
];

export function s3Authorisations(call: S3Call, scope: ServiceScope): Authorisation[] {
  const { bucket, key } = bucketAndKey(call.path);
  const method = call.method.toUpperCase();
  const what = `S3 ${method} ${call.path}${Object.keys(call.query).length ? `?${Object.keys(call.query).join("&")}` : ""}`;
  const common: RequestContext = {
    "s3:authType": "REST-HEADER",
    "s3:signatureversion": "AWS4-HMAC-SHA256",
    ...(typeof call.headers["x-amz-content-sha256"] === "string"
      ? { "s3:x-amz-content-sha256": call.headers["x-amz-content-sha256"] }
      : {}),
  };
  const on = (action: string, resource: string, context: RequestContext = {}): Authorisation => ({
    action,
    resource,
    context: { ...common, ...context },
  });
  if (bucket === undefined) {
    if (method === "GET") return [on("s3:ListAllMyBuckets", "*")];
    throw new UnmappedRequest(what);
  }
  const bucketArn = `arn:${scope.partition}:s3:::${bucket}`;

  if (key === undefined) {
    if (method === "GET" && has(call.query, "uploads")) return [on("s3:ListBucketMultipartUploads", bucketArn)];
    if (method === "GET" && has(call.query, "versions"))
      return [on("s3:ListBucketVersions", bucketArn, listKeys(call))];
    if (method === "GET" && has(call.query, "location")) return [on("s3:GetBucketLocation", bucketArn)];
    for (const [parameter, get, put] of BUCKET_SUBRESOURCES) {
      if (!has(call.query, parameter)) continue;
      if (method === "GET") return [on(get, bucketArn)];
      if (method === "PUT") return [on(put, bucketArn)];
      if (method === "DELETE") return [on(put, bucketArn)];
    }
    if (method === "GET" || method === "HEAD")
      return [on("s3:ListBucket", bucketArn, method === "GET" ? listKeys(call) : {})];
    if (method === "PUT") return [on("s3:CreateBucket", bucketArn)];
    if (method === "DELETE") return [on("s3:DeleteBucket", bucketArn)];
    if (method === "POST" && has(call.query, "delete")) {
      const keys = [...(call.body ?? "").matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
      if (keys.length === 0) throw new UnmappedRequest(`${what} without a <Key> in its body`);
      return keys.map((k) => on("s3:DeleteObject", `${bucketArn}/${k}`));
    }
    throw new UnmappedRequest(what);
  }

  const objectArn = `${bucketArn}/${key}`;
  const versioned = has(call.query, "versionId");
  if (has(call.query, "tagging")) {
    const action =
      method === "GET" ? "s3:GetObjectTagging" : method === "PUT" ? "s3:PutObjectTagging" : "s3:DeleteObjectTagging";
    return [on(versioned ? action.replace("ObjectTagging", "ObjectVersionTagging") : action, objectArn)];
  }
  if (has(call.query, "acl")) return [on(method === "GET" ? "s3:GetObjectAcl" : "s3:PutObjectAcl", objectArn)];
  switch (method) {
    case "GET":
      if (has(call.query, "uploadId")) return [on("s3:ListMultipartUploadParts", objectArn)];
      return [on(versioned ? "s3:GetObjectVersion" : "s3:GetObject", objectArn)];
    case "HEAD":
      return [on(versioned ? "s3:GetObjectVersion" : "s3:GetObject", objectArn)];
    case "PUT": {
      const source = first(call.headers["x-amz-copy-source"]);
      const put = on("s3:PutObject", objectArn);
      if (source === undefined) return [put];
      // UploadPartCopy and CopyObject read the source as well.
      const [sourcePath, sourceVersion] = decodeURIComponent(source.replace(/^\//, "")).split("?versionId=");
      return [
        put,
        on(sourceVersion ? "s3:GetObjectVersion" : "s3:GetObject", `arn:${scope.partition}:s3:::${sourcePath}`),
      ];
    }
    case "POST":
      // CreateMultipartUpload (?uploads) and CompleteMultipartUpload (?uploadId=…) are both s3:PutObject.
      if (has(call.query, "uploads") || has(call.query, "uploadId")) return [on("s3:PutObject", objectArn)];
      throw new UnmappedRequest(what);
    case "DELETE":
      if (has(call.query, "uploadId")) return [on("s3:AbortMultipartUpload", objectArn)];
      return [on(versioned ? "s3:DeleteObjectVersion" : "s3:DeleteObject", objectArn)];
    default:
      throw new UnmappedRequest(what);
  }
}

/** `s3:prefix`, `s3:delimiter`, `s3:max-keys`: present only when the listing names them. */
function listKeys(call: S3Call): RequestContext {
  const context: Record<string, string> = {};
  for (const [parameter, key] of [
    ["prefix", "s3:prefix"],
    ["delimiter", "s3:delimiter"],
    ["max-keys", "s3:max-keys"],
  ] as const) {
    const value = first(call.query[parameter]);
    if (value !== undefined) context[key] = value;
  }
  return context;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
