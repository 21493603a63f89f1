/**
 * Provider functions that return a credential: storage account keys, cluster credentials (kubeconfigs), registry
 * tokens, client tokens, secret values. Offline there is no real key, so each answer holds credential-shaped values
 * made for this run (base64 of the right length, a kubeconfig with a bearer token in it); every one of them is
 * returned marked secret and remembered, so the recorder can tell where a credential from such a function landed
 * (a resource input, an output, an app setting) even when the program unwrapped it or pasted it into a connection
 * string.
 */
import type { MockEnvironment } from "../environment";
import { placeholderFor } from "../placeholders";
import type { Shape } from "../sdk-shapes";
import { stableBase64, stableHex } from "../stable-values";

/** Members whose result is a credential (Azure's `list*Keys`/`list*Credentials`, AWS's registry tokens, …). */
const CREDENTIAL_MEMBER =
  /^list\w*(Keys|Credentials?|Secrets?|ConnectionStrings|AuthKeys|SharedAccessKeys)$|^get(Authorization|Client|Access)Token$|^getSecretVersion$|^getSecret$|^getKubeConfig$/;
/** Inside a credential function's result, the leaves that hold the secret material. */
const SECRET_LEAF =
  /(^value$|key$|keys$|password|secret|token|connectionstring|kubeconfig|credential|primary|secondary)/i;

export function isCredentialFunction(token: string): boolean {
  const member = token.split(":")[2] ?? "";
  return CREDENTIAL_MEMBER.test(member);
}

type Inputs = Record<string, unknown>;

export interface CredentialAnswer {
  result: Record<string, unknown>;
  /** Every credential value in `result`, to be followed wherever the program puts it. */
  credentials: string[];
}

const str = (value: unknown, fallback: string) => (typeof value === "string" && value !== "" ? value : fallback);

/** A kubeconfig as AKS returns it (base64 in `value`), holding a bearer token the recorder follows too. */
function kubeconfig(cluster: string, user: string, token: string, env: MockEnvironment): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${cluster}`,
    "  cluster:",
    `    server: https://${cluster}-${stableHex(8, cluster)}.hcp.${env.location}.azmk8s.io:443`,
    `current-context: ${cluster}`,
    "contexts:",
    `- name: ${cluster}`,
    "  context:",
    `    cluster: ${cluster}`,
    `    user: ${user}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    token: ${token}`,
    "",
  ].join("\n");
}

/** Answers written for the common credential functions; others are filled from their SDK shape. */
const KNOWN: Record<string, (env: MockEnvironment, inputs: Inputs, seed: string) => CredentialAnswer> = {
  "azure-native:storage:listStorageAccountKeys": (_env, _inputs, seed) => {
    const keys = ["key1", "key2"].map((keyName) => ({
      keyName,
      value: stableBase64(64, seed, keyName),
      permissions: "FULL",
      creationTime: "2026-01-01T00:00:00.0000000Z",
    }));
    return { result: { keys }, credentials: keys.map((key) => key.value) };
  },
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (env, inputs, seed) => {
    const password = stableBase64(1536, seed, "ecr");
    const authorizationToken = Buffer.from(`AWS:${password}`).toString("base64");
    const registry = str(inputs.registryId, env.accountId);
    return {
      result: {
        id: env.region,
        authorizationToken,
        password,
        userName: "AWS",
        proxyEndpoint: `https://${registry}.dkr.ecr.${env.region}.${env.dnsSuffix}`,
        expiresAt: "2026-01-01T12:00:00Z",
        ...(typeof inputs.registryId === "string" ? { registryId: inputs.registryId } : {}),
      },
      credentials: [authorizationToken, password],
    };
  },
};

function clusterCredentials(env: MockEnvironment, inputs: Inputs, seed: string, kind: string): CredentialAnswer {
  const cluster = str(inputs.resourceName, "cluster");
  const user = `cluster${kind}_${str(inputs.resourceGroupName, "rg")}_${cluster}`;
  const token = stableHex(64, seed, "token");
  const value = Buffer.from(kubeconfig(cluster, user, token, env)).toString("base64");
  return { result: { kubeconfigs: [{ name: `cluster${kind}`, value }] }, credentials: [value, token] };
}

/** Replaces every secret-looking string leaf of a shaped placeholder with credential-shaped material. */
function withCredentialLeaves(value: unknown, seed: string, path: string, found: string[]): unknown {
  if (Array.isArray(value))
    return value.map((item, index) => withCredentialLeaves(item, seed, `${path}[${index}]`, found));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        if (typeof item === "string" && SECRET_LEAF.test(key)) {
          const credential = stableBase64(48, seed, `${path}.${key}`);
          found.push(credential);
          return [key, credential];
        }
        return [key, withCredentialLeaves(item, seed, `${path}.${key}`, found)];
      }),
    );
  }
  return value;
}

export function credentialAnswer(
  token: string,
  env: MockEnvironment,
  inputs: Inputs,
  shape: Shape | undefined,
): CredentialAnswer {
  const seed = `${token}\u0000${JSON.stringify(inputs)}`;
  const known = KNOWN[token];
  if (known) return known(env, inputs, seed);
  const cluster = /:listManagedCluster(User|Admin|Monitoring)Credentials?$/.exec(token);
  if (cluster) return clusterCredentials(env, inputs, seed, cluster[1]!);
  const found: string[] = [];
  const base = shape ? placeholderFor(shape, [], { env, token, seed, inputs }) : {};
  const result = withCredentialLeaves(base, seed, "", found) as Record<string, unknown>;
  return { result, credentials: found };
}
