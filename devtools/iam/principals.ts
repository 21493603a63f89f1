// Who may call the emulated AWS services, as IAM knows them: each access key belongs to a principal, either a role
// session (evaluated against the role's identity policies and boundary) or the administrator that stands for the
// test's own view of the stores (the account's administrators, who provision tables and read results; IAM is not
// what those tests are about). Keys are generated at run time; none is a literal in the repository.
import { randomBytes } from "node:crypto";
import { parsePolicy } from "../../policy/iam";
import { generateTemporaryAccessKeyId } from "../ecs-credentials";
import type { SigningIdentity } from "../sts/sigv4";
import type { DeployedRole } from "./deployment";

export type Access =
  | {
      readonly kind: "role";
      readonly roleArn: string;
      readonly policies: readonly unknown[];
      readonly permissionsBoundary?: readonly unknown[];
    }
  | { readonly kind: "administrator" };

export interface Principal extends SigningIdentity {
  /** The ARN IAM names in its messages (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` for a role session). */
  readonly arn: string;
  readonly access: Access;
}

/** `arn:aws:iam::A:role/path/name` -> `arn:aws:sts::A:assumed-role/name/<session>`, as STS names a role session. */
export function sessionArn(roleArn: string, sessionName: string): string {
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!m) throw new Error(`"${roleArn}" is not an IAM role ARN`);
  return `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${sessionName}`;
}

/**
 * The access a session of this role has: its deployed identity policies (`roleArn` when the role was renamed),
 * parsed once here rather than on every call.
 */
export function roleAccess(role: DeployedRole, roleArn = role.arn): Access {
  return {
    kind: "role",
    roleArn,
    policies: role.policies.map((policy) => parsePolicy(policy)),
    permissionsBoundary: role.permissionsBoundary === undefined ? undefined : [parsePolicy(role.permissionsBoundary)],
  };
}

/** A fresh session of a role: temporary keys as STS issues them (ASIA…, a secret, a session token, an expiry). */
export function newRoleSession(
  role: DeployedRole,
  opts: { sessionName?: string; lifetimeSeconds?: number } = {},
): Principal {
  const accessKeyId = generateTemporaryAccessKeyId();
  return {
    accessKeyId,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: randomBytes(96).toString("base64"),
    expiration: new Date(Date.now() + (opts.lifetimeSeconds ?? 3600) * 1000),
    arn: sessionArn(role.arn, opts.sessionName ?? accessKeyId.slice(-12).toLowerCase()),
    access: roleAccess(role),
  };
}

/** Looks up the principal behind an access key: keys registered here first, then each resolver in turn. */
export class PrincipalRegistry {
  private readonly keys = new Map<string, Principal>();
  private readonly resolvers: Array<(accessKeyId: string) => Principal | undefined> = [];

  add(principal: Principal): Principal {
    this.keys.set(principal.accessKeyId, principal);
    return principal;
  }

  /** Principals issued elsewhere (e.g. the ECS credentials endpoint's task-role sessions). */
  addResolver(resolve: (accessKeyId: string) => Principal | undefined): void {
    this.resolvers.push(resolve);
  }

  lookup(accessKeyId: string): Principal | undefined {
    const known = this.keys.get(accessKeyId);
    if (known !== undefined) return known;
    for (const resolve of this.resolvers) {
      const found = resolve(accessKeyId);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
