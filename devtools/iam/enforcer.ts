// The IAM enforcement layer: one HTTP front per emulated AWS service (dynalite for DynamoDB, s3rver for S3, the STS
// emulator, the SQS stand-in), each verifying the caller's SigV4 signature, mapping the call to the IAM actions and resource ARNs it
// needs, and authorising every one against the calling principal's policies with IAM's own evaluation logic (the
// project's one evaluator, policy/iam). A denied call is answered as the real service answers it; an allowed call is
// forwarded untouched (streamed, for S3 uploads). Every decision is recorded, so tests can assert on them and wait
// for calls by event rather than by time.
import { EventEmitter } from "node:events";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { evaluateIdentityPolicy, type RequestContext } from "../../policy/iam";
import { SignatureProblem, verifySignature } from "../sts/sigv4";
import type { Principal, PrincipalRegistry } from "./principals";
import { dynamodbAuthorisations, type PartitionKeys } from "./requests/dynamodb";
import { s3Authorisations, s3NeedsBody } from "./requests/s3";
import { sqsAuthorisations } from "./requests/sqs";
import { stsAuthorisations } from "./requests/sts";
import { type Authorisation, type ServiceScope, UnmappedRequest } from "./requests/types";
import {
  accessDenied,
  accessDeniedMessage,
  type Service,
  type Refusal,
  type ServiceError,
  sendServiceError,
  signatureError,
} from "./service-errors";

export type { Service, ServiceError };

/** One authorisation the layer decided. */
export interface AuthorisationRecord {
  readonly service: Service;
  /** The call as it arrived, e.g. `PUT /bucket/key?partNumber&uploadId` or `DynamoDB_20120810.BatchGetItem`. */
  readonly call: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** `administrator` for the test's own unrestricted principal; otherwise IAM's decision. */
  readonly decision: "allow" | "deny" | "implicitDeny" | "administrator";
  readonly reason: string;
}

export interface EnforcerOptions {
  readonly scope: ServiceScope;
  readonly principals: PrincipalRegistry;
  /** Partition-key attribute per table, for `dynamodb:LeadingKeys`. Default: none known. */
  readonly partitionKeyOf?: PartitionKeys;
  /** Adjusts the headers of an allowed call before it is forwarded (e.g. the key a local store knows). */
  readonly forwardHeaders?: (service: Service, headers: IncomingMessage["headers"]) => IncomingMessage["headers"];
}

interface Front {
  readonly server: Server;
  readonly endpoint: string;
}

/** A fault armed on the fronts (see `failCalls`). */
export interface ArmedFault {
  /** How many calls it has failed so far. */
  readonly failed: () => number;
  disarm(): void;
}

export class IamEnforcer extends EventEmitter {
  readonly records: AuthorisationRecord[] = [];
  private readonly fronts: Front[] = [];
  /** Connections to the stores are kept open between calls, as the SDK keeps its own to the front. */
  private readonly agent = new Agent({ keepAlive: true });
  private readonly faults: Array<{ match: (r: AuthorisationRecord) => boolean; error: ServiceError; count: number }> =
    [];
  private readonly holds: Array<{
    match: (r: AuthorisationRecord) => boolean;
    released: Promise<void>;
    arrive: (r: AuthorisationRecord) => void;
  }> = [];

  constructor(private readonly opts: EnforcerOptions) {
    super();
  }

  get principals(): PrincipalRegistry {
    return this.opts.principals;
  }

  /** Starts a front for one service on loopback, forwarding allowed calls to `upstream`; returns its endpoint. */
  async front(service: Service, upstream: string): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(service, upstream, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`IAM enforcement layer: ${(err as Error).message}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.fronts.push({ server, endpoint });
    return endpoint;
  }

  /** Decisions that refused a call. */
  denials(): AuthorisationRecord[] {
    return this.records.filter((r) => r.decision === "deny" || r.decision === "implicitDeny");
  }

  /** Resolves with the first record (already made or coming) that matches. */
  waitFor(match: (record: AuthorisationRecord) => boolean): Promise<AuthorisationRecord> {
    const found = this.records.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => {
      const listener = (record: AuthorisationRecord) => {
        if (!match(record)) return;
        this.off("record", listener);
        resolve(record);
      };
      this.on("record", listener);
    });
  }

  /**
   * Answers allowed calls that match with a service error instead of forwarding them (as S3 sometimes answers
   * `500 InternalError`), until disarmed: a test can then make the worker meet a failed part upload, for instance.
   */
  failCalls(match: (record: AuthorisationRecord) => boolean, error: ServiceError): ArmedFault {
    const fault = { match, error, count: 0 };
    this.faults.push(fault);
    return { failed: () => fault.count, disarm: () => void this.faults.splice(this.faults.indexOf(fault), 1) };
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await Promise.all(
      this.fronts.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private async handle(service: Service, upstream: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const [rawPath, rawQuery = ""] = (req.url ?? "/").split(/\?(.*)/s, 2);
    const query = queryRecord(rawQuery);
    const needsBody = service !== "s3" || s3NeedsBody({ method, query });
    const body = needsBody ? await readAll(req) : undefined;
    const text = body?.toString("utf8") ?? "";

    let principal: Principal;
    try {
      ({ identity: principal } = await verifySignature(
        { method, path: rawPath!, query, headers: req.headers, body: text },
        (key) => this.opts.principals.lookup(key),
        // The service names the enforcer uses are the SigV4 signing names (dynamodb, s3, sts, sqs).
        { uriEscapePath: service !== "s3", service },
      ));
    } catch (err) {
      if (!(err instanceof SignatureProblem)) throw err;
      return sendServiceError(res, service, signatureError(service, err.kind, err.message), method);
    }

    const call =
      service === "dynamodb" || service === "sqs"
        ? String(req.headers["x-amz-target"] ?? "")
        : `${method} ${rawPath}${rawQuery ? `?${Object.keys(query).join("&")}` : ""}`;
    let authorisations: Authorisation[];
    try {
      authorisations = this.map(service, method, rawPath!, query, req.headers, text);
    } catch (err) {
      if (!(err instanceof UnmappedRequest)) throw err;
      this.record({
        service,
        call,
        principal: principal.arn,
        action: "(unmapped)",
        resource: "*",
        decision: "implicitDeny",
        reason: err.message,
      });
      return sendServiceError(res, service, accessDenied(service, err.message), method);
    }

    const allowed: AuthorisationRecord[] = [];
    for (const authorisation of authorisations) {
      const decided = this.decide(principal, authorisation);
      const record: AuthorisationRecord = { service, call, principal: principal.arn, ...authorisation, ...decided };
      this.record(record);
      allowed.push(record);
      if (decided.decision === "deny" || decided.decision === "implicitDeny") {
        const message = accessDeniedMessage(
          principal.arn,
          authorisation.action,
          authorisation.resource,
          refusalOf(decided),
          service,
        );
        return sendServiceError(res, service, accessDenied(service, message), method);
      }
    }
    const fault = this.faults.find((f) => allowed.some(f.match));
    if (fault !== undefined) {
      fault.count++;
      req.resume();
      return sendServiceError(res, service, fault.error, method);
    }
    await this.forward(service, upstream, req, res, body);
  }

  private map(
    service: Service,
    method: string,
    path: string,
    query: Record<string, string | string[]>,
    headers: IncomingMessage["headers"],
    body: string,
  ): Authorisation[] {
    switch (service) {
      case "dynamodb":
        return dynamodbAuthorisations(
          headers["x-amz-target"] as string | undefined,
          jsonBody(body),
          this.opts.scope,
          this.opts.partitionKeyOf ?? (() => undefined),
        );
      case "s3":
        return s3Authorisations({ method, path, query, headers, body }, this.opts.scope);
      case "sts":
        return stsAuthorisations(new URLSearchParams(body));
      case "sqs":
        return sqsAuthorisations(headers["x-amz-target"] as string | undefined, jsonBody(body), this.opts.scope);
    }
  }

  private decide(principal: Principal, authorisation: Authorisation): Pick<AuthorisationRecord, "decision" | "reason"> {
    if (principal.access.kind === "administrator")
      return { decision: "administrator", reason: "the test's administrator" };
    const { scope } = this.opts;
    const now = new Date();
    // Global condition keys every call carries (reference_policies_condition-keys.html). The local hop is plain HTTP
    // on loopback; the SDK reaches AWS over TLS, so aws:SecureTransport is what AWS would see.
    const global: RequestContext = {
      "aws:PrincipalArn": principal.access.roleArn,
      "aws:PrincipalAccount": scope.accountId,
      "aws:PrincipalType": "AssumedRole",
      "aws:RequestedRegion": scope.region,
      "aws:SecureTransport": "true",
      "aws:CurrentTime": now.toISOString(),
      "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
    };
    const decision = evaluateIdentityPolicy(
      principal.access.policies as unknown[],
      {
        action: authorisation.action,
        resource: authorisation.resource,
        context: { ...global, ...authorisation.context },
      },
      { permissionsBoundary: principal.access.permissionsBoundary as unknown[] | undefined },
    );
    return { decision: decision.decision, reason: decision.reason };
  }

  private record(record: AuthorisationRecord): void {
    this.records.push(record);
    this.emit("record", record);
  }

  private forward(
    service: Service,
    upstream: string,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
  ): Promise<void> {
    const target = new URL(req.url ?? "/", upstream);
    const headers = this.opts.forwardHeaders?.(service, { ...req.headers }) ?? req.headers;
    return new Promise<void>((resolve, reject) => {
      const out = httpRequest(target, { method: req.method, headers, agent: this.agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", () => resolve());
        answer.on("error", reject);
      });
      out.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`IAM enforcement layer: ${service} store unreachable: ${err.message}`);
        resolve();
      });
      // A client that hangs up mid-upload ends the forwarded request too.
      req.on("aborted", () => out.destroy());
      if (body !== undefined) out.end(body);
      else req.pipe(out);
    });
  }
}

/** Which policy refused: the evaluator names the permissions boundary when it was the boundary (policy/iam). */
function refusalOf(decided: Pick<AuthorisationRecord, "decision" | "reason">): Refusal {
  const boundary = /permissions boundary/.test(decided.reason);
  if (decided.decision === "deny") return boundary ? "boundaryDeny" : "explicitDeny";
  return boundary ? "boundary" : "identity";
}

/** A JSON-protocol body; one that is not JSON maps to no action (refused). */
function jsonBody(body: string): Record<string, unknown> {
  if (body === "") return {};
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new UnmappedRequest("a JSON-protocol request whose body is not JSON");
  }
}

function queryRecord(raw: string): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const existing = record[key];
    record[key] = existing === undefined ? value : [...[existing].flat(), value];
  }
  return record;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
