// A minimal Graph stand-in for the credential tests: one route that answers 200 only when the
// bearer-token hook lets the request through (the Graph emulator applies the same hook to every route).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthoriseHook } from "../entra/graph-bearer";

export async function startGraphProbe(authorise: AuthoriseHook): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    authorise(req).then((refusal) => {
      res.writeHead(refusal?.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(refusal?.body ?? { value: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0/sites/probe/drive/root/delta`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
