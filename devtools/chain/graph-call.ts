// Child-process probe: builds the worker's Graph credential from the environment exactly as the
// worker does (one credential per process, NODE_EXTRA_CA_CERTS trusting the Entra emulator), gets
// a token and calls GRAPH_PROBE_URL with it CALLS times, one after the other. Prints one JSON line.
import { createGraphCredential, GRAPH_SCOPE, GraphCredentialError } from "../../worker/src/credentials";

async function main(): Promise<void> {
  const env = process.env;
  const calls = Number(env.CALLS ?? 1);
  const statuses: number[] = [];
  try {
    const credential = createGraphCredential({
      mode: "auto",
      tenantId: env.AZURE_TENANT_ID ?? "",
      clientId: env.AZURE_CLIENT_ID ?? "",
      awsRegion: env.AWS_REGION ?? "",
    })!;
    for (let i = 0; i < calls; i++) {
      const token = await credential.getToken(GRAPH_SCOPE);
      if (!token) throw new Error("the credential returned no token");
      const res = await fetch(env.GRAPH_PROBE_URL!, { headers: { authorization: `Bearer ${token.token}` } });
      statuses.push(res.status);
    }
    console.log(JSON.stringify({ ok: statuses.every((s) => s === 200), statuses }));
  } catch (err) {
    const e = err as GraphCredentialError;
    console.log(JSON.stringify({ ok: false, statuses, failure: e.failure, code: e.code, message: e.message }));
  }
}

void main();
