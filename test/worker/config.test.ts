// Configuration: one error naming every missing or malformed variable; static credentials refused
// unless every endpoint is on loopback; local-only switches refused against real endpoints.
import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { REPO_ROOT } from "../../devtools/repo-root";
import { WORKER_ENVIRONMENT } from "../../worker/src/contract";
import { ConfigError, DEFAULT_CONCURRENCY, loadConfig } from "../../worker/src/config/load";
import { isLoopbackUrl } from "../../worker/src/config/loopback";
import { splitSiteIds } from "../../worker/src/config/site-ids";

const SITE = `contoso.sharepoint.com,${randomUUID()},${randomUUID()}`;

function awsEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    AZURE_TENANT_ID: randomUUID(),
    AZURE_CLIENT_ID: randomUUID(),
    SYNC_SITE_IDS: SITE,
    CHECKPOINT_TABLE: "sync-checkpoints",
    STATE_TABLE: "sync-state",
    DOCUMENTS_TABLE: "sync-documents",
    LEASE_TABLE: "sync-lease",
    CONTENT_BUCKET: "sync-content",
    AWS_REGION: "ap-southeast-2",
    ...extra,
  };
}

function problemsOf(env: NodeJS.ProcessEnv, switches = {}): readonly string[] {
  try {
    loadConfig(env, switches);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

/** Generated at run time: the repository holds no credential-shaped literal. */
const generatedSecret = () => randomBytes(30).toString("base64");

describe("worker configuration", () => {
  it("reads a valid AWS configuration with Graph's default endpoint", () => {
    const config = loadConfig(awsEnv(), { site: SITE });
    assert.equal(config.siteId, SITE);
    assert.equal(config.graphBaseUrl, "https://graph.microsoft.com/v1.0");
    assert.equal(config.concurrency, DEFAULT_CONCURRENCY);
    assert.deepEqual(config.tables, {
      checkpoints: "sync-checkpoints",
      state: "sync-state",
      documents: "sync-documents",
      lease: "sync-lease",
    });
    assert.equal(config.endpoints.dynamodb, undefined);
    assert.equal(config.leaseTtlMs, 60_000);
  });

  it("names every missing variable in one error", () => {
    const problems = problemsOf({});
    for (const name of [
      "SYNC_SITE_IDS",
      "CHECKPOINT_TABLE",
      "STATE_TABLE",
      "DOCUMENTS_TABLE",
      "LEASE_TABLE",
      "CONTENT_BUCKET",
      "AWS_REGION",
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_ID",
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(`${name} is required`)),
        `${name} not named in: ${problems.join(" | ")}`,
      );
    }
  });

  it("names every malformed variable and what is expected", () => {
    const problems = problemsOf(
      awsEnv({
        CONTENT_BUCKET: "Not_A_Bucket",
        AWS_REGION: "sydney",
        STATE_TABLE: "x",
        SYNC_CONCURRENCY: "lots",
        AZURE_CLIENT_ID: "my-app",
        GRAPH_BASE_URL: "graph.microsoft.com",
      }),
    );
    assert.equal(problems.length, 6, problems.join(" | "));
    assert.ok(problems.some((p) => p.startsWith("CONTENT_BUCKET must be an S3 bucket name")));
    assert.ok(problems.some((p) => p.startsWith("AWS_REGION must be an AWS region")));
    assert.ok(problems.some((p) => p.startsWith("STATE_TABLE must be a DynamoDB table name")));
    assert.ok(problems.some((p) => p.startsWith("SYNC_CONCURRENCY")));
    assert.ok(problems.some((p) => p.startsWith("AZURE_CLIENT_ID must be a GUID")));
    assert.ok(problems.some((p) => p.startsWith("GRAPH_BASE_URL must be an absolute URL")));
  });

  it("refuses static credentials when any endpoint is not on loopback, naming both", () => {
    const problems = problemsOf(
      awsEnv({ AWS_SECRET_ACCESS_KEY: generatedSecret(), AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000" }),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0], /static credentials are set \(AWS_SECRET_ACCESS_KEY\)/);
    assert.match(problems[0], /GRAPH_BASE_URL \(https:\/\/graph\.microsoft\.com\/v1\.0\)/);
    assert.match(problems[0], /AWS_ENDPOINT_URL_S3 \(unset: the AWS endpoint\)/);
    assert.doesNotMatch(problems[0], /AWS_ENDPOINT_URL_DYNAMODB/);
    assert.match(problems[0], /federation only/);

    const azure = problemsOf(awsEnv({ AZURE_CLIENT_SECRET: generatedSecret() }));
    assert.match(azure[0], /AZURE_CLIENT_SECRET/);
  });

  it("accepts static credentials and local switches when every endpoint is on loopback", () => {
    const config = loadConfig(
      awsEnv({
        AWS_SECRET_ACCESS_KEY: generatedSecret(),
        AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
        AWS_ENDPOINT_URL_S3: "http://localhost:9000",
        GRAPH_BASE_URL: "http://127.0.0.1:7000/v1.0/",
      }),
      { graphAuth: "none", createMissing: true, concurrency: "4" },
    );
    assert.equal(config.graphAuth, "none");
    assert.equal(config.createMissing, true);
    assert.equal(config.concurrency, 4);
    assert.equal(config.graphBaseUrl, "http://127.0.0.1:7000/v1.0");
  });

  it("refuses --graph-auth none and --create-missing against real endpoints", () => {
    const problems = problemsOf(awsEnv(), { graphAuth: "none", createMissing: true });
    assert.ok(
      problems.some((p) => p.startsWith("--graph-auth none is accepted only for a Graph endpoint on loopback")),
    );
    assert.ok(
      problems.some((p) => p.startsWith("--create-missing only creates tables and buckets on loopback endpoints")),
    );
  });

  it("refuses plain http to a remote Graph host, bad switches and an unknown site", () => {
    const problems = problemsOf(awsEnv({ GRAPH_BASE_URL: "http://graph.example.org/v1.0" }), { site: "other-site" });
    assert.ok(problems.some((p) => p.startsWith("GRAPH_BASE_URL must use https")));
    assert.ok(problems.some((p) => p.startsWith("--site other-site is not one of SYNC_SITE_IDS")));
    assert.deepEqual(problemsOf(awsEnv(), { graphAuth: "maybe", concurrency: "0" }), [
      "--graph-auth must be auto or none",
      "--concurrency must be at least 1",
    ]);
  });

  it("needs --site when several sites are configured, and needs the Entra ids for --graph-auth auto", () => {
    const problems = problemsOf(
      awsEnv({ SYNC_SITE_IDS: `${SITE},second-site`, AZURE_TENANT_ID: undefined, AZURE_CLIENT_ID: "" }),
    );
    assert.ok(problems.some((p) => p.startsWith("--site is required: SYNC_SITE_IDS names 2 sites")));
    assert.ok(problems.some((p) => p.startsWith("AZURE_TENANT_ID is required")));
    assert.ok(problems.some((p) => p.startsWith("AZURE_CLIENT_ID is required")));
  });

  it("splits SYNC_SITE_IDS without breaking Graph's composite host,guid,guid site ids", () => {
    const a = randomUUID();
    const b = randomUUID();
    assert.deepEqual(splitSiteIds(`contoso.sharepoint.com,${a},${b}, plain-id ,${a}`), [
      `contoso.sharepoint.com,${a},${b}`,
      "plain-id",
      a,
    ]);
  });

  it("recognises loopback endpoints only", () => {
    for (const url of ["http://127.0.0.1:1", "http://127.8.9.10", "http://localhost:80", "http://[::1]:9000"])
      assert.ok(isLoopbackUrl(url), url);
    for (const url of ["https://graph.microsoft.com", "http://10.0.0.1", "http://127.0.0.1.nip.io", "not a url"])
      assert.ok(!isLoopbackUrl(url), url);
  });

  describe(".env.example", () => {
    const text = readFileSync(join(REPO_ROOT, ".env.example"), "utf8");

    it("names every variable the worker reads, set or commented out", () => {
      const named = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
      const missing = Object.values(WORKER_ENVIRONMENT).filter((name) => !named.has(name));
      assert.deepEqual(missing, [], "add each to .env.example with a comment saying what it is for");
      const unknown = [...named].filter((name) => !(Object.values(WORKER_ENVIRONMENT) as string[]).includes(name));
      assert.deepEqual(unknown, [], "names the worker does not read");
    });

    it("loads as it stands through the worker's own loader, which would refuse a static credential in it", () => {
      const config = loadConfig(parseEnv(text));
      assert.equal(config.region, "ap-southeast-2");
      assert.equal(config.siteId, splitSiteIds(parseEnv(text).SYNC_SITE_IDS!)[0]);
      assert.equal(config.tables.documents, parseEnv(text).DOCUMENTS_TABLE);
    });
  });
});
