// Shared set-up for the worker's tests: dynalite + s3rver + the Graph emulator on loopback, the
// worker's environment pointing at them, the worker run as a REAL child process (the way ECS runs
// it), and readers for what ended up in the bucket and the tables. By default every AWS call the
// worker makes is authorised against the dev stack's task-role policy (devtools/iam), with the
// stack's own table and bucket names, which exist from the start as `pulumi up` would create them. Fan-out runs load
// the prod stack (the one with `fanOut`): its queues exist from the start too, behind the same enforcement.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { GraphEmulator, type GraphEmulatorOptions, type Library } from "../graph";
import { WORKER_ENVIRONMENT as ENV } from "../../worker/src/contract";
import { loadDeployment, type DeployedFanOut, type StackDeployment } from "../iam";
import { startLocalStores, type LocalStores } from "../local-stores";
import type { SqsEmulator } from "../sqs";
import { fanOutEnvironment } from "../sqs/fanout-queues";

const REPO = join(__dirname, "..", "..");
const CLI = join(REPO, "worker", "src", "cli.ts");
/** No worker run in the tests takes anywhere near this long (benches pass their own limit). */
const WORKER_WATCHDOG_MS = 90_000;

export const SITE_ID =
  "contoso.sharepoint.com,3f0a4c5e-1b2d-4e6f-8a9b-0c1d2e3f4a5b,7e8f9a0b-1c2d-4e3f-9a5b-6c7d8e9f0a1b";

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** pino's JSON lines from stdout. */
  logs: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface RunningWorker {
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves once a log line matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  readonly exited: Promise<WorkerExit>;
}

export interface HarnessAwsOptions {
  /** The stack whose IAM policies, tables and bucket the stores enforce; `false` for unenforced stores that the
   *  worker creates itself (--create-missing). Default: the dev stack, from the program under the mock runtime. */
  readonly deployment?: StackDeployment | false;
  /** Keep DynamoDB's rows on disk (LevelDB): for benches with a million rows. */
  readonly dynamoOnDisk?: boolean;
  /** Deliveries before the fan-out's queue dead-letters a task; default the stack's RedrivePolicy. */
  readonly queueMaxReceiveCount?: number;
}

export class WorkerHarness {
  readonly tables: { checkpoints: string; state: string; documents: string; lease: string };
  readonly bucket: string;
  readonly doc: DynamoDBDocumentClient;
  readonly s3: S3Client;
  /** The worker processes' working directory (a temporary one of this harness). */
  readonly workDir = mkdtempSync(join(tmpdir(), "worker-harness-"));

  private constructor(
    readonly stores: LocalStores,
    readonly graph: GraphEmulator,
  ) {
    const deployed = stores.iam?.deployment;
    this.tables = deployed
      ? {
          checkpoints: deployed.tables.checkpoints.name,
          state: deployed.tables.state.name,
          documents: deployed.tables.documents.name,
          lease: deployed.tables.lease.name,
        }
      : { checkpoints: "sync-checkpoints", state: "sync-state", documents: "sync-documents", lease: "sync-lease" };
    this.bucket = deployed?.bucket.name ?? "sync-content";
    const region = stores.awsEnv.AWS_REGION;
    this.doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region, endpoint: stores.dynamoEndpoint, credentials: stores.credentials }),
    );
    this.s3 = new S3Client({
      region,
      endpoint: stores.s3Endpoint,
      credentials: stores.credentials,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
  }

  static async start(graphOptions: GraphEmulatorOptions = {}, aws: HarnessAwsOptions = {}): Promise<WorkerHarness> {
    const deployment = aws.deployment ?? (await loadDeployment("dev"));
    const stores = await startLocalStores({
      ...(deployment === false ? {} : { deployment }),
      dynamoOnDisk: aws.dynamoOnDisk,
      queueMaxReceiveCount: aws.queueMaxReceiveCount,
    });
    const graph = await GraphEmulator.start({ seed: 7, ...graphOptions });
    return new WorkerHarness(stores, graph);
  }

  /** The stack's fan-out queues and the SQS stand-in that holds them (a harness started with a fan-out stack). */
  get fanOut(): DeployedFanOut & { readonly sqs: SqsEmulator } {
    const fanOut = this.stores.iam?.deployment.fanOut;
    if (fanOut === undefined || this.stores.sqs === undefined)
      throw new Error('this harness\'s stack has no fan-out: start it with loadDeployment("prod")');
    return { ...fanOut, sqs: this.stores.sqs.emulator };
  }

  /** The worker's environment for a fan-out run: `env()` with the queue URLs the stack hands producer and consumers. */
  fanOutEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
    return this.env({ ...fanOutEnvironment(this.fanOut), ...extra });
  }

  library(siteId = SITE_ID): Library {
    return this.graph.site(siteId);
  }

  /**
   * The worker's environment: with IAM enforced, the stack's task definition environment itself (the contract the
   * program and the worker share), pointed at the emulators and signed as the task role's session; otherwise the
   * same names with local values.
   */
  env(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const task = this.stores.iam?.deployment.taskEnvironment ?? {
      [ENV.checkpointTable]: this.tables.checkpoints,
      [ENV.stateTable]: this.tables.state,
      [ENV.documentsTable]: this.tables.documents,
      [ENV.leaseTable]: this.tables.lease,
      [ENV.contentBucket]: this.bucket,
    };
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...task,
      ...this.stores.awsEnv,
      [ENV.tenantId]: randomUUID(),
      [ENV.clientId]: randomUUID(),
      [ENV.siteIds]: SITE_ID,
      [ENV.graphBaseUrl]: this.graph.baseUrl,
      [ENV.leaseTtlSeconds]: "3",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...extra,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  /**
   * Starts `worker <args>` as a child process: by default the TypeScript source through tsx's require
   * hook (no intermediate process, so a signal reaches the worker itself); `entry` runs something
   * else, e.g. the compiled worker/dist/cli.js the container runs.
   */
  spawn(
    args: string[],
    env: Record<string, string> = this.env(),
    entry: string[] = ["--require", require.resolve("tsx/cjs"), CLI],
    watchdogMs = WORKER_WATCHDOG_MS,
  ): RunningWorker {
    const started = Date.now();
    // An empty working directory of its own: a developer's `.env` in the repository never leaks in.
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: this.workDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const logs: Array<Record<string, unknown>> = [];
    const listeners = new Set<(line: Record<string, unknown>) => void>();
    let stderr = "";
    let stdout = "";
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const text of lines) {
        if (text.trim() === "") continue;
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          line = { raw: text };
        }
        logs.push(line);
        for (const listener of listeners) listener(line);
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<WorkerExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) =>
        resolve({ code, signal, logs, stdout, stderr, ms: Date.now() - started });
      child.on("close", done);
      // 'close' waits for every holder of the child's pipes; a helper process that outlives a
      // SIGKILLed worker must not keep the test waiting. Give the pipes a moment to drain, then go on.
      child.on("exit", (code, signal) => setTimeout(() => done(code, signal), 2000).unref());
    });
    // A worker that never ends is a failure with its last logs, not a silent test timeout.
    const watchdog = setTimeout(() => {
      process.stderr.write(
        `worker ${child.pid} still running after ${watchdogMs} ms; killing it. Last logs:\n${JSON.stringify(logs.slice(-10), null, 1)}\n`,
      );
      child.kill("SIGKILL");
    }, watchdogMs);
    watchdog.unref();
    void exited.then(() => clearTimeout(watchdog));
    return {
      child,
      logs,
      exited,
      waitForLog(match, timeoutMs = 30_000) {
        const found = logs.find(match);
        if (found) return Promise.resolve(found);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            listeners.delete(listener);
            reject(new Error(`no matching worker log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
          }, timeoutMs);
          const listener = (line: Record<string, unknown>) => {
            if (!match(line)) return;
            clearTimeout(timer);
            listeners.delete(listener);
            resolve(line);
          };
          listeners.add(listener);
          void exited.then(() => {
            if (!listeners.has(listener)) return;
            clearTimeout(timer);
            listeners.delete(listener);
            reject(new Error(`worker exited before a matching log line; stderr: ${stderr.slice(-2000)}`));
          });
        });
      },
    };
  }

  /** The switches of a local `worker sync`: no Entra, and tables and bucket created unless the stack's exist. */
  localSyncSwitches(): string[] {
    return ["--graph-auth", "none", ...(this.stores.iam ? [] : ["--create-missing"])];
  }

  /** Starts `worker sync` for SITE_ID against the local stores and the emulator. */
  startSync(extraArgs: string[] = [], env?: Record<string, string>): RunningWorker {
    return this.spawn(["sync", "--site", SITE_ID, ...this.localSyncSwitches(), ...extraArgs], env);
  }

  /** Runs `worker sync` to its end. */
  async sync(extraArgs: string[] = [], env?: Record<string, string>): Promise<WorkerExit> {
    return this.startSync(extraArgs, env).exited;
  }

  /** key -> sha256 of every object under the site's prefix (sharepoint/<site>/<itemId>/<version>). */
  async bucketObjects(siteId = SITE_ID): Promise<Map<string, string>> {
    const prefix = `sharepoint/${siteId}/`;
    const objects = new Map<string, string>();
    // ListObjects (v1) paged by Marker: s3rver's ListObjectsV2 makes DES continuation tokens, which
    // Node 20's OpenSSL 3 refuses, so any V2 listing of more than 1,000 keys fails with InternalError.
    let marker: string | undefined;
    let truncated: boolean | undefined;
    do {
      const page = await this.s3.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Marker: marker }));
      for (const object of page.Contents ?? []) {
        const body = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key! }));
        const hash = createHash("sha256");
        for await (const chunk of body.Body as AsyncIterable<Buffer>) hash.update(chunk);
        objects.set(object.Key!, hash.digest("hex"));
      }
      marker = page.Contents?.at(-1)?.Key;
      truncated = page.IsTruncated === true && marker !== undefined;
    } while (truncated);
    return objects;
  }

  /** itemId -> stored document record. */
  async documents(siteId = SITE_ID): Promise<Map<string, Record<string, unknown>>> {
    const docs = new Map<string, Record<string, unknown>>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.documents,
          KeyConditionExpression: "siteId = :s",
          ExpressionAttributeValues: { ":s": siteId },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) docs.set(item.itemId as string, item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return docs;
  }

  /**
   * Resolves once the Graph emulator has served `count` requests of `route` ("download", "delta", ...) in all:
   * driven by the emulator's events, so a test acts at a point of the run rather than at a moment.
   */
  served(route: string, count: number, timeoutMs = 60_000): Promise<void> {
    const done = () => (this.graph.stats.routes[route] ?? 0) >= count;
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.graph.events.off(route, onRequest);
        reject(new Error(`the emulator served ${this.graph.stats.routes[route] ?? 0} of ${count} ${route} requests`));
      }, timeoutMs);
      const onRequest = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.graph.events.off(route, onRequest);
        resolve();
      };
      this.graph.events.on(route, onRequest);
    });
  }

  /** Polls until `check` holds (benches: conditions no event reports, such as a drained queue). */
  async until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async item(table: keyof WorkerHarness["tables"], siteId = SITE_ID): Promise<Record<string, unknown> | undefined> {
    return (await this.doc.send(new GetCommand({ TableName: this.tables[table], Key: { siteId } }))).Item;
  }

  async close(): Promise<void> {
    this.doc.destroy();
    this.s3.destroy();
    await this.graph.close();
    await this.stores.close();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * The mirror must equal the library: every live file has a row with its path whose s3Key holds the
 * file's bytes, and the bucket holds nothing else (no leftover upload, no stale version).
 */
export async function mirrorMismatches(harness: WorkerHarness, library: Library, siteId = SITE_ID): Promise<string[]> {
  const expected = library.expectedFiles();
  const objects = await harness.bucketObjects(siteId);
  const docs = await harness.documents(siteId);
  const problems: string[] = [];
  const named = new Set<string>();
  for (const [id, file] of expected) {
    const doc = docs.get(id);
    if (doc === undefined) {
      problems.push(`missing metadata ${id} (${file.path})`);
      continue;
    }
    if (doc.path !== file.path) problems.push(`wrong path for ${id}: ${String(doc.path)} instead of ${file.path}`);
    const key = String(doc.s3Key);
    named.add(key);
    if (!objects.has(key)) problems.push(`missing object ${key} (${file.path})`);
    else if (objects.get(key) !== file.sha256) problems.push(`stale bytes in ${key} (${file.path})`);
  }
  for (const key of objects.keys()) if (!named.has(key)) problems.push(`stale object ${key}`);
  for (const [id, doc] of docs)
    if (doc.kind === "file" && !expected.has(id)) problems.push(`stale metadata ${id} (${String(doc.path)})`);
  return problems;
}

export function summaryOf(exit: WorkerExit): Record<string, unknown> {
  const line = exit.logs.find((l) => l.msg === "sync summary");
  if (!line)
    throw new Error(
      `no sync summary (exit ${exit.code}); stderr: ${exit.stderr.slice(-3000)}; last logs: ${JSON.stringify(exit.logs.slice(-5))}`,
    );
  return line.summary as Record<string, unknown>;
}
