// Stands up the whole zero-secret chain on loopback, for the chain tests and `npm run chain:local`:
//   container-credentials endpoint (task role) -> STS emulator (GetWebIdentityToken)
//   -> Entra emulator (federated credential: issuer = STS issuer, subject = task role ARN)
//   -> a bearer-token validator for the Graph emulator's `authorise` hook.
// env() gives a child process exactly what an ECS task would have: no secret, only locations.
import { randomUUID } from "node:crypto";
import { ContainerCredentialsEndpoint, type IssuedCredentials } from "../ecs-credentials";
import { EntraEmulator, type AppRegistration } from "../entra";
import { graphBearerAuthorise } from "../entra/graph-bearer";
import { StsEmulator } from "../sts";
import { ADMIN_SCOPES, ADMIN_UPN } from "./admin-grant";

export const TASK_ROLE_ARN = "arn:aws:iam::111122223333:role/zero-secrets-sync-worker";
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface ChainOptions {
  /** Lifetime of Graph access tokens; default 3599 s. */
  accessTokenLifetimeSeconds?: number;
  /** Graph application permissions granted to the app; default ["Sites.Selected"]. */
  graphAppRoles?: string[];
  /** Called for every set of task-role credentials handed out (e.g. to let s3rver accept them). */
  onCredentials?: (creds: IssuedCredentials) => void;
  region?: string;
  /** The task role the ECS endpoint hands out and Entra's federated credential trusts; default TASK_ROLE_ARN. */
  taskRoleArn?: string;
}

export interface Chain {
  readonly ecs: ContainerCredentialsEndpoint;
  readonly sts: StsEmulator;
  readonly entra: EntraEmulator;
  readonly app: AppRegistration;
  readonly tenantId: string;
  readonly region: string;
  readonly authorise: ReturnType<typeof graphBearerAuthorise>;
  /** Environment for a worker process in "ECS" (federated) mode. */
  env(): Record<string, string>;
  /** Every credential the chain handed out in this run: task-role secrets, web identity tokens, Graph tokens. */
  issuedCredentials(): string[];
  close(): Promise<void>;
}

export async function startChain(opts: ChainOptions = {}): Promise<Chain> {
  const tenantId = randomUUID();
  const region = opts.region ?? "ap-southeast-2";
  const taskRoleArn = opts.taskRoleArn ?? TASK_ROLE_ARN;
  const ecs = await ContainerCredentialsEndpoint.start({ roleArn: taskRoleArn, onIssue: opts.onCredentials });
  const sts = await StsEmulator.start({ identities: ecs });
  const app: AppRegistration = {
    clientId: randomUUID(),
    displayName: "zero-secrets-sync-worker",
    federatedCredentials: [
      { name: "ecs-task-role", issuer: sts.issuer, subject: taskRoleArn, audiences: [TOKEN_EXCHANGE_AUDIENCE] },
    ],
    graphAppRoles: opts.graphAppRoles ?? ["Sites.Selected"],
  };
  const entra = await EntraEmulator.start({
    tenantId,
    applications: [app],
    developers: [
      { upn: "developer@contoso.example", graphScopes: ["Sites.Read.All"] },
      // The SharePoint administrator who grants the sync identity its site (bootstrap/).
      { upn: ADMIN_UPN, graphScopes: ADMIN_SCOPES },
    ],
    accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds,
  });
  const authorise = graphBearerAuthorise({ issuer: entra.issuer, jwksUri: entra.jwksUri, caPem: entra.caPem });
  return {
    ecs,
    sts,
    entra,
    app,
    tenantId,
    region,
    authorise,
    env: () => ({
      NODE_EXTRA_CA_CERTS: entra.caFile,
      AWS_REGION: region,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: ecs.fullUri,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      AZURE_AUTHORITY_HOST: entra.authorityHost,
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: app.clientId,
    }),
    issuedCredentials: () => [...ecs.issuedSecrets(), ...sts.issuedTokens, ...entra.issuedTokens],
    async close() {
      await Promise.all([entra.close(), sts.close(), ecs.close()]);
    },
  };
}

/** Lets s3rver (running in this process) accept the task role's generated keys, as S3 accepts a
 *  role session's keys. s3rver keeps its accounts in a module-level registry. */
export function acceptInS3rver(creds: IssuedCredentials): void {
  const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account") as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(creds.accessKeyId, creds.secretAccessKey);
}
