// AWS STS emulator for outbound identity federation: sts:GetWebIdentityToken over the query
// protocol, plus the account issuer's OpenID discovery document and JWKS, all on loopback.
// The issuer URL is this emulator's own URL (https://<uuid>.tokens.sts.global.api.aws in AWS),
// so the Entra emulator discovers its keys exactly as Entra discovers AWS's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { IssuedCredentials } from "../ecs-credentials";
import { KeyRing, type SigningAlgorithm } from "../entra/key-ring";
import { assertLoopback, close, listen, readBody, sendJson } from "../entra/http";
import { StsError, memberList, sendError, sendResult, validationError } from "./query-protocol";
import { authenticate } from "./sigv4";

export interface StsEmulatorOptions {
  /** Resolves the access key of a signed request to its role session (the container-credentials endpoint). */
  identities: { lookup(accessKeyId: string): IssuedCredentials | undefined };
  host?: string;
  port?: number;
  /** aws.iam.OutboundWebIdentityFederation on the account; default enabled. */
  outboundFederationEnabled?: boolean;
}

export interface StsStats {
  tokensIssued: number;
  refused: number;
}

const ALGORITHMS: readonly SigningAlgorithm[] = ["RS256", "ES384"];
const MAX_AUDIENCES = 10;

export class StsEmulator {
  readonly stats: StsStats = { tokensIssued: 0, refused: 0 };
  /** Every token handed out, so a test can prove none of them leaked into logs or files. */
  readonly issuedTokens: string[] = [];
  outboundFederationEnabled: boolean;
  /** Fault: rewrites the claims of each token AFTER signing (a token altered in transit; the
   *  signature no longer matches). Undefined = tokens leave untouched. */
  tamper?: (claims: Record<string, unknown>) => Record<string, unknown>;

  private constructor(
    private readonly server: Server,
    private readonly opts: StsEmulatorOptions,
    readonly keys: KeyRing,
    /** Value for AWS_ENDPOINT_URL_STS. */
    readonly endpoint: string,
    /** The account's token issuer, as aws.iam.OutboundWebIdentityFederation's issuerIdentifier. */
    readonly issuer: string,
  ) {
    this.outboundFederationEnabled = opts.outboundFederationEnabled ?? true;
  }

  static async start(opts: StsEmulatorOptions): Promise<StsEmulator> {
    const host = opts.host ?? "127.0.0.1";
    assertLoopback(host, "The STS emulator");
    const keys = await KeyRing.create(ALGORITHMS);
    let sts: StsEmulator | undefined;
    const server = createServer((req, res) => {
      sts!
        .route(req, res)
        .catch((err: unknown) => sendError(res, new StsError(500, "InternalFailure", String(err), "Receiver")));
    });
    const port = await listen(server, host, opts.port ?? 0);
    const endpoint = `http://${host}:${port}`;
    sts = new StsEmulator(server, opts, keys, endpoint, `${endpoint}/${randomUUID()}`);
    return sts;
  }

  close(): Promise<void> {
    return close(this.server);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", this.endpoint).pathname;
    if (req.method === "GET" && path === new URL(`${this.issuer}/.well-known/openid-configuration`).pathname) {
      return sendJson(res, 200, {
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/.well-known/jwks.json`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ALGORITHMS,
      });
    }
    if (req.method === "GET" && path === new URL(`${this.issuer}/.well-known/jwks.json`).pathname) {
      return sendJson(res, 200, this.keys.jwks());
    }
    if (req.method === "POST" && path === "/") {
      const body = await readBody(req);
      try {
        await this.handleAction(req, body, res);
      } catch (err) {
        if (!(err instanceof StsError)) throw err;
        this.stats.refused++;
        sendError(res, err);
      }
      return;
    }
    sendError(res, new StsError(404, "UnknownOperation", `No route for ${req.method} ${path}`));
  }

  private async handleAction(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(body);
    const action = form.get("Action");
    if (action !== "GetWebIdentityToken") {
      throw new StsError(
        400,
        "InvalidAction",
        `Could not find operation ${action ?? "(none)"} for version ${form.get("Version") ?? "(none)"}`,
      );
    }
    const session = await authenticate({ method: req.method ?? "POST", path: "/", headers: req.headers, body }, (id) =>
      this.opts.identities.lookup(id),
    );
    const { audiences, algorithm, durationSeconds } = parseRequest(form);
    if (!this.outboundFederationEnabled) {
      throw new StsError(
        403,
        "OutboundWebIdentityFederationDisabledException",
        "Outbound web identity federation is disabled for this account.",
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = now + durationSeconds;
    if (exp * 1000 > session.expiration.getTime()) {
      throw new StsError(
        400,
        "SessionDurationEscalationException",
        "The requested token duration would extend the session beyond its original expiration time.",
      );
    }
    const account = session.roleArn.split(":")[4];
    const token = await this.keys.sign(
      {
        iss: this.issuer,
        sub: session.roleArn,
        aud: audiences.length === 1 ? audiences[0] : audiences,
        iat: now,
        nbf: now,
        exp,
        jti: randomUUID(),
        "https://sts.amazonaws.com/": { aws_account: account, source_region: "local", principal_id: session.roleArn },
      },
      { alg: algorithm },
    );
    this.stats.tokensIssued++;
    const handedOut = this.tamper ? rewritePayload(token, this.tamper) : token;
    this.issuedTokens.push(handedOut);
    sendResult(res, "GetWebIdentityToken", {
      WebIdentityToken: handedOut,
      Expiration: new Date(exp * 1000).toISOString(),
    });
  }
}

function parseRequest(form: URLSearchParams): {
  audiences: string[];
  algorithm: SigningAlgorithm;
  durationSeconds: number;
} {
  const problems: string[] = [];
  const audiences = memberList(form, "Audience");
  if (audiences.length === 0)
    problems.push("Value null at 'audience' failed to satisfy constraint: Member must not be null");
  if (audiences.length > MAX_AUDIENCES)
    problems.push(
      `Value at 'audience' failed to satisfy constraint: Member must have length less than or equal to ${MAX_AUDIENCES}`,
    );
  const algorithm = form.get("SigningAlgorithm");
  if (algorithm === null)
    problems.push("Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null");
  else if (!ALGORITHMS.includes(algorithm as SigningAlgorithm)) {
    problems.push(
      `Value '${algorithm}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${ALGORITHMS.join(", ")}]`,
    );
  }
  const durationText = form.get("DurationSeconds") ?? "300";
  const durationSeconds = Number(durationText);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 60) {
    problems.push(
      `Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60`,
    );
  } else if (durationSeconds > 3600) {
    problems.push(
      `Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600`,
    );
  }
  if (problems.length) throw validationError(problems);
  return { audiences, algorithm: algorithm as SigningAlgorithm, durationSeconds };
}

function rewritePayload(token: string, tamper: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify(tamper(claims))).toString("base64url"), signature].join(".");
}
