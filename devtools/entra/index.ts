// Microsoft Entra ID token endpoint emulator, over HTTPS on loopback with a CA generated at run time
// (trusted by a client process through NODE_EXTRA_CA_CERTS=<caFile>). It serves:
//   GET  /{tenant}/v2.0/.well-known/openid-configuration   (what MSAL reads before a token request)
//   GET  /{tenant}/discovery/v2.0/keys                      (public signing keys; rotation by kid)
//   POST /{tenant}/oauth2/v2.0/token                        (client_credentials + jwt-bearer assertion)
//   POST /{tenant}/_emulator/developer-token                (stand-in for an interactive `az login`)
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, randomUUID } from "node:crypto";
import { KeyRing } from "./key-ring";
import { assertLoopback, close, listen, readBody, sendJson } from "./http";
import { EntraError, aadsts } from "./errors";
import { FederatedAssertionValidator, type FederatedCredential } from "./federated-assertion";
import { createLoopbackTls, type LoopbackTls } from "./tls";

export type { FederatedCredential } from "./federated-assertion";

export const GRAPH_RESOURCE = "https://graph.microsoft.com";
export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** The Azure CLI's public client ID: delegated tokens from `az` carry it as appid. */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

export interface AppRegistration {
  clientId: string;
  displayName?: string;
  /** At most 20 per app, as in Entra. */
  federatedCredentials: FederatedCredential[];
  /** Graph application permissions granted (admin-consented), e.g. ["Sites.Selected"]. They become the token's `roles`. */
  graphAppRoles: string[];
}

export interface DeveloperAccount {
  upn: string;
  /** Delegated Graph permissions consented for the Azure CLI, e.g. ["Sites.Read.All"]. They become `scp`. */
  graphScopes: string[];
}

export interface EntraEmulatorOptions {
  tenantId: string;
  applications: AppRegistration[];
  developers?: DeveloperAccount[];
  /** Lifetime of issued access tokens; Entra issues 60-90 minutes, tests use seconds. Default 3599. */
  accessTokenLifetimeSeconds?: number;
  /** Tolerance when checking an assertion's exp/nbf. Default 300 (five minutes). */
  clockSkewSeconds?: number;
  host?: string;
  port?: number;
}

export interface EntraStats {
  tokensIssued: number;
  /** Refusals by AADSTS code. */
  refusals: Record<number, number>;
}

export class EntraEmulator {
  readonly stats: EntraStats = { tokensIssued: 0, refusals: {} };
  /** Every access token handed out, so a test can prove none of them leaked into logs or files. */
  readonly issuedTokens: string[] = [];
  /** Moves the emulator's clock, e.g. to make a live assertion look expired to Entra. */
  clockOffsetSeconds = 0;
  accessTokenLifetimeSeconds: number;
  private readonly validator: FederatedAssertionValidator;

  private constructor(
    private readonly server: Server,
    private readonly tls: LoopbackTls,
    readonly options: EntraEmulatorOptions,
    readonly keys: KeyRing,
    /** The value for AZURE_AUTHORITY_HOST / the credential's authorityHost. */
    readonly authorityHost: string,
  ) {
    this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3599;
    this.validator = new FederatedAssertionValidator({
      algorithms: ["RS256"],
      clockSkewSeconds: options.clockSkewSeconds ?? 300,
    });
    for (const app of options.applications) assertApp(app);
  }

  static async start(opts: EntraEmulatorOptions): Promise<EntraEmulator> {
    const host = opts.host ?? "127.0.0.1";
    assertLoopback(host, "The Entra emulator");
    const tls = createLoopbackTls();
    const keys = await KeyRing.create(["RS256"]);
    let entra: EntraEmulator | undefined;
    const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      entra!
        .route(req, res)
        .catch((err: unknown) => sendJson(res, 500, { error: "server_error", error_description: String(err) }));
    });
    const port = await listen(server, host, opts.port ?? 0);
    entra = new EntraEmulator(server, tls, opts, keys, `https://${host}:${port}`);
    return entra;
  }

  /** PEM file of the emulator's CA: NODE_EXTRA_CA_CERTS for any process that talks to it. */
  get caFile(): string {
    return this.tls.caFile;
  }
  get caPem(): string {
    return this.tls.caPem;
  }
  get issuer(): string {
    return `${this.authorityHost}/${this.options.tenantId}/v2.0`;
  }
  get jwksUri(): string {
    return `${this.authorityHost}/${this.options.tenantId}/discovery/v2.0/keys`;
  }

  application(clientId: string): AppRegistration {
    const app = this.options.applications.find((a) => a.clientId === clientId);
    if (!app) throw new Error(`No application ${clientId} is registered in the Entra emulator`);
    return app;
  }

  /** Publishes a new signing key and signs with it (see KeyRing.rotate for what happens to the old one). */
  rotateSigningKey(opts: { retirePrevious?: boolean } = {}): Promise<string[]> {
    return this.keys.rotate(opts);
  }

  async close(): Promise<void> {
    await close(this.server);
    this.tls.dispose();
  }

  private now(): Date {
    return new Date(Date.now() + this.clockOffsetSeconds * 1000);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.authorityHost);
    const m =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|oauth2\/v2\.0\/token|_emulator\/developer-token)$/.exec(
        url.pathname,
      );
    if (!m)
      return sendJson(res, 404, {
        error: "not_found",
        error_description: `No route for ${req.method} ${url.pathname}`,
      });
    const [, tenant, route] = m;
    try {
      if (tenant !== this.options.tenantId) throw aadsts.tenantNotFound(tenant);
      if (req.method === "GET" && route.endsWith("openid-configuration")) return sendJson(res, 200, this.discovery());
      if (req.method === "GET" && route.endsWith("keys")) return sendJson(res, 200, this.keys.jwks());
      if (req.method !== "POST")
        return sendJson(res, 405, { error: "invalid_request", error_description: `${req.method} is not allowed here` });
      const form = new URLSearchParams(await readBody(req));
      const token = route.startsWith("oauth2") ? await this.clientCredentials(form) : await this.developerToken(form);
      sendJson(res, 200, token, { "cache-control": "no-store", pragma: "no-cache" });
    } catch (err) {
      if (!(err instanceof EntraError)) throw err;
      this.stats.refusals[err.code] = (this.stats.refusals[err.code] ?? 0) + 1;
      sendJson(res, err.status, err.body(this.now(), this.authorityHost));
    }
  }

  private discovery(): Record<string, unknown> {
    const base = `${this.authorityHost}/${this.options.tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: this.jwksUri,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: this.issuer,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: "OC",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
    };
  }

  private async clientCredentials(form: URLSearchParams): Promise<Record<string, unknown>> {
    const grant = required(form, "grant_type");
    if (grant !== "client_credentials") throw aadsts.unsupportedGrant(grant);
    const clientId = required(form, "client_id");
    const app = this.options.applications.find((a) => a.clientId === clientId);
    if (!app) throw aadsts.applicationNotFound(clientId, this.options.tenantId);
    const scope = required(form, "scope");
    graphResource(scope, this.options.tenantId);
    // Apps in this stack hold no secret at all, so any secret presented is wrong by definition.
    if (form.has("client_secret")) throw aadsts.invalidSecret(clientId);
    const assertion = form.get("client_assertion");
    if (!assertion || form.get("client_assertion_type") !== JWT_BEARER) throw aadsts.missingAssertion();
    await this.validator.validate(assertion, app.federatedCredentials, this.now());
    return this.issue({
      sub: appObjectId(app.clientId),
      oid: appObjectId(app.clientId),
      appid: app.clientId,
      azp: app.clientId,
      idtyp: "app",
      ...(app.graphAppRoles.length ? { roles: [...app.graphAppRoles] } : {}),
    });
  }

  private async developerToken(form: URLSearchParams): Promise<Record<string, unknown>> {
    const upn = required(form, "upn");
    const resource = required(form, "resource");
    graphResource(`${resource.replace(/\/$/, "")}/.default`, this.options.tenantId);
    const dev = (this.options.developers ?? []).find((d) => d.upn === upn);
    if (!dev) throw aadsts.userNotFound(upn, this.options.tenantId);
    return this.issue({
      sub: appObjectId(upn),
      oid: appObjectId(upn),
      upn,
      appid: AZURE_CLI_CLIENT_ID,
      azp: AZURE_CLI_CLIENT_ID,
      idtyp: "user",
      scp: dev.graphScopes.join(" "),
    });
  }

  private async issue(identity: Record<string, unknown>): Promise<Record<string, unknown>> {
    const iat = Math.floor(this.now().getTime() / 1000);
    const lifetime = this.accessTokenLifetimeSeconds;
    const token = await this.keys.sign({
      aud: GRAPH_RESOURCE,
      iss: this.issuer,
      iat,
      nbf: iat,
      exp: iat + lifetime,
      tid: this.options.tenantId,
      ver: "2.0",
      uti: randomUUID(),
      ...identity,
    });
    this.stats.tokensIssued++;
    this.issuedTokens.push(token);
    return { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
  }
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw aadsts.missingParameter(name);
  return value;
}

/** Only Graph is a resource in this tenant; client credentials must ask for `<resource>/.default`. */
function graphResource(scope: string, tenant: string): void {
  const scopes = scope.split(" ").filter((s) => s !== "offline_access" && s !== "openid" && s !== "profile");
  if (scopes.length !== 1 || !scopes[0].endsWith("/.default")) throw aadsts.invalidScope(scope);
  const resource = scopes[0].slice(0, -"/.default".length).replace(/\/$/, "");
  if (resource !== GRAPH_RESOURCE) throw aadsts.resourceNotFound(resource, tenant);
}

/** A stable object ID per principal, so tokens name the same service principal every time. */
function appObjectId(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function assertApp(app: AppRegistration): void {
  if (app.federatedCredentials.length > 20) {
    throw new Error(
      `Application ${app.clientId} has ${app.federatedCredentials.length} federated credentials; Entra allows at most 20`,
    );
  }
}
