// The ECS container-credentials endpoint, on loopback. In a real task the agent serves the task
// role's temporary credentials at 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; the AWS SDK
// also accepts AWS_CONTAINER_CREDENTIALS_FULL_URI on a loopback address, which is what this serves.
// Credentials are generated at run time, short-lived, and remembered so that the STS emulator can
// tell which role signed a request (the way IAM maps an access key to its session).
import { createServer, type Server } from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { assertLoopback, close, listen, sendJson } from "../entra/http";

export interface IssuedCredentials {
  readonly roleArn: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface ContainerCredentialsOptions {
  /** The task role whose session this endpoint hands out, e.g. arn:aws:iam::123456789012:role/sync-worker. */
  roleArn: string;
  /** Lifetime of each set of credentials; ECS uses about 6 hours, tests use less. Default 3600. */
  lifetimeSeconds?: number;
  host?: string;
  port?: number;
  /** Called for every set handed out, e.g. to register the key pair with s3rver. */
  onIssue?: (creds: IssuedCredentials) => void;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Temporary (session) access keys start with ASIA; the rest is random base32, as AWS's are. */
export function generateTemporaryAccessKeyId(): string {
  return "ASIA" + Array.from(randomBytes(16), (b) => BASE32[b % 32]).join("");
}

export class ContainerCredentialsEndpoint {
  private readonly issued = new Map<string, IssuedCredentials>();
  private role: string;

  private constructor(
    private readonly server: Server,
    private readonly opts: ContainerCredentialsOptions,
    /** Value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
    readonly fullUri: string,
  ) {
    this.role = opts.roleArn;
  }

  static async start(opts: ContainerCredentialsOptions): Promise<ContainerCredentialsEndpoint> {
    const host = opts.host ?? "127.0.0.1";
    assertLoopback(host, "The container-credentials endpoint");
    assertRoleArn(opts.roleArn);
    const path = `/v2/credentials/${randomUUID()}`;
    let endpoint: ContainerCredentialsEndpoint | undefined;
    const server = createServer((req, res) => {
      if (req.method !== "GET" || req.url !== path) return sendJson(res, 404, { message: "Not Found" });
      sendJson(res, 200, endpoint!.issue());
    });
    const port = await listen(server, host, opts.port ?? 0);
    endpoint = new ContainerCredentialsEndpoint(server, opts, `http://${host}:${port}${path}`);
    return endpoint;
  }

  /** The role the task runs as from now on (a redeploy with another task role). */
  set roleArn(arn: string) {
    assertRoleArn(arn);
    this.role = arn;
  }
  get roleArn(): string {
    return this.role;
  }

  /** The session a request signed with this access key belongs to, if this endpoint issued it. */
  lookup(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  get issuedCount(): number {
    return this.issued.size;
  }

  /** Every secret part handed out (secret keys and session tokens), for leak checks. */
  issuedSecrets(): string[] {
    return [...this.issued.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]);
  }

  close(): Promise<void> {
    return close(this.server);
  }

  private issue(): Record<string, string> {
    const creds: IssuedCredentials = {
      roleArn: this.role,
      accessKeyId: generateTemporaryAccessKeyId(),
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(96).toString("base64"),
      expiration: new Date(Date.now() + (this.opts.lifetimeSeconds ?? 3600) * 1000),
    };
    this.issued.set(creds.accessKeyId, creds);
    this.opts.onIssue?.(creds);
    return {
      RoleArn: creds.roleArn,
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: creds.expiration.toISOString(),
    };
  }
}

function assertRoleArn(arn: string): void {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)) {
    throw new Error(`"${arn}" is not an IAM role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)`);
  }
}
