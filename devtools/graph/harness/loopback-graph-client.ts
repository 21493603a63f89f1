// The real @microsoft/microsoft-graph-client pointed at the emulator. The client only treats
// https:// links as absolute (nextLink/deltaLink, Location), so the emulator serves HTTPS with a
// throwaway CA; the last middleware sends requests with node:https trusting that CA, because a
// mocha process cannot set NODE_EXTRA_CA_CERTS for itself once started. Everything before it
// (authentication, retry on 429/503 with Retry-After, redirects, telemetry) is the library's own chain.
import { request as httpsRequest } from "node:https";
import { randomUUID } from "node:crypto";
import {
  AuthenticationHandler,
  Client,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";

/** One HTTPS request trusting `caPem`, answered as a fetch Response (body buffered: test-sized payloads). */
export function httpsFetch(
  url: string,
  caPem: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? "GET", headers: init.headers, ca: caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const headers = new Headers();
        for (const [key, value] of Object.entries(res.headers))
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
        const status = res.statusCode!;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    req.on("error", reject);
    req.end();
  });
}

class HttpsTrustingCa implements Middleware {
  constructor(private readonly caPem: string) {}

  async execute(context: Context): Promise<void> {
    const request = typeof context.request === "string" ? undefined : context.request;
    const headers = new Headers(request?.headers);
    new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, key) =>
      headers.set(key, value),
    );
    context.response = await httpsFetch(request?.url ?? (context.request as string), this.caPem, {
      method: context.options?.method ?? request?.method,
      headers: Object.fromEntries(headers),
    });
  }
}

export interface LoopbackGraphClient {
  client: Client;
  /** The bearer token the client sends (generated per client, never a literal). */
  accessToken: string;
}

export function loopbackGraphClient(emulatorBaseUrl: string, caPem: string): LoopbackGraphClient {
  const accessToken = `emulator-${randomUUID()}`;
  const origin = new URL(emulatorBaseUrl);
  const chain: Middleware[] = [
    new AuthenticationHandler({ getAccessToken: async () => accessToken }),
    new RetryHandler(new RetryHandlerOptions()),
    new RedirectHandler(new RedirectHandlerOptions()),
    new TelemetryHandler(),
    new HttpsTrustingCa(caPem),
  ];
  const client = Client.initWithMiddleware({
    middleware: chain,
    baseUrl: origin.origin,
    defaultVersion: "v1.0",
    customHosts: new Set([origin.hostname]),
  });
  return { client, accessToken };
}
