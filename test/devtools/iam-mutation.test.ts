// The task role's generated policy grants exactly what the worker needs. The worker runs three scenarios under IAM
// enforcement with the dev stack's task role (a full and an incremental round, a multipart upload whose part S3 keeps
// failing, a sync through the federated credential chain), and each passes with no call refused. Then, for every action the
// policy grants, a session of the role WITHOUT that action runs the scenario that used it: each run fails (the
// worker exits in error, or leaves a mirror that differs from the library, or AWS refuses a call it needed) and the
// refusal names the removed action. The fan-out's SQS actions, which only a stack with fan-out grants, are shown the
// same way with the prod stack's task role: a producer and a consumer run cleanly with the generated policy, using
// every SQS action it grants, and fail with a refusal naming the action once it is removed.
import { strict as assert } from "node:assert";
import { startChainWorld } from "../../devtools/chain/chain-world";
import {
  grantedActions,
  loadDeployment,
  sessionEnv,
  withoutAction,
  type AuthorisationRecord,
  type DeployedRole,
  type StackDeployment,
} from "../../devtools/iam";
import { mirrorMismatches, WorkerHarness } from "../../devtools/worker/harness";

type ScenarioName = "rounds" | "partFails" | "chain";

interface Outcome {
  /** Calls the layer decided for this run's principal. */
  records: AuthorisationRecord[];
  /** Why the run is not clean: empty for a clean run. */
  failures: string[];
}

let sites = 0;
/** A fresh Graph site ID per run, so runs share the stores without sharing a lease or a prefix. */
function nextSite(): string {
  sites++;
  return `contoso.sharepoint.com,${sites.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000,00000000-0000-4000-8000-${sites.toString(16).padStart(12, "0")}`;
}

/** One line per refused action, with how many calls it refused. */
function refusals(records: AuthorisationRecord[]): string[] {
  const counts = new Map<string, number>();
  for (const r of records) if (r.decision !== "allow") counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `refused ${action} (${n} call${n === 1 ? "" : "s"})`);
}

describe("the task role's policy, mutated action by action", function () {
  this.timeout(300_000);
  let deployment: StackDeployment;
  let h: WorkerHarness;

  before(async () => {
    deployment = await loadDeployment("dev");
    h = await WorkerHarness.start({ pageSize: 10 });
  });
  after(async () => h?.close());

  const runsOf = (principal: string) => h.stores.iam!.enforcer.records.filter((r) => r.principal === principal);

  /** A full round, then an incremental one after updates, deletions and an addition; the mirror must match. */
  async function rounds(role: DeployedRole): Promise<Outcome> {
    const site = nextSite();
    const session = h.stores.iam!.newSession(role);
    const env = h.env({ SYNC_SITE_IDS: site, ...sessionEnv(session) });
    const library = h.library(site);
    library.generate({ files: 12, folders: 2, seed: sites, maxSize: 8 * 1024 });
    const failures: string[] = [];
    const sync = async (label: string) => {
      const exit = await h.spawn(["sync", "--site", site, ...h.localSyncSwitches()], env).exited;
      if (exit.code !== 0) failures.push(`${label} exited ${exit.code}`);
      const mismatches = await mirrorMismatches(h, library, site);
      if (mismatches.length > 0) failures.push(`${label}: mirror differs (${mismatches[0]})`);
    };
    await sync("full round");
    if (failures.length === 0) {
      const files = [...library.expectedFiles().keys()];
      library.updateFile(files[0]!, { size: 2048, seed: 3 });
      library.delete(files[1]!);
      library.delete(files[2]!);
      library.addFile(null, "Added.txt", Buffer.from("added"));
      // Added and deleted between the rounds: the worker has no row for it, so it lists the item's prefix for
      // anything an interrupted upload left (s3:ListBucket).
      library.delete(library.addFile(null, "Gone.txt", Buffer.from("gone")));
      await sync("incremental round");
    }
    const records = runsOf(session.arn);
    failures.push(...refusals(records));
    return { records, failures };
  }

  /**
   * A multipart upload whose parts S3 keeps failing (500 InternalError on every attempt): lib-storage aborts the
   * upload so that no incomplete upload lingers, and the item fails.
   */
  async function partFails(role: DeployedRole): Promise<Outcome> {
    const site = nextSite();
    const session = h.stores.iam!.newSession(role);
    h.library(site).addFile(null, "Large.bin", { size: 12 * 1024 * 1024, seed: sites });
    const fault = h.stores.iam!.enforcer.failCalls(
      (r) => r.principal === session.arn && /[?&]partNumber/.test(r.call),
      { status: 500, code: "InternalError", message: "We encountered an internal error. Please try again." },
    );
    await h.spawn(
      ["sync", "--site", site, ...h.localSyncSwitches()],
      h.env({ SYNC_SITE_IDS: site, ...sessionEnv(session) }),
    ).exited;
    fault.disarm();
    const failures: string[] = [];
    if (fault.failed() === 0) failures.push("no part upload met the fault");
    const records = runsOf(session.arn);
    if (!records.some((r) => r.action === "s3:AbortMultipartUpload"))
      failures.push("the failed upload was not aborted");
    failures.push(...refusals(records));
    return { records, failures };
  }

  /** A sync in production credential mode: the task role mints a web identity token for Entra. */
  async function chain(role: DeployedRole): Promise<Outcome> {
    const world = await startChainWorld({ files: 3, deployment: { ...deployment, taskRole: role } });
    try {
      const run = await world.runWorker(["sync", ...world.syncSwitches()]);
      const failures: string[] = [];
      if (run.code !== 0) failures.push(`exited ${run.code}`);
      const records = world.stores.iam!.enforcer.records.filter((r) => r.principal.includes(":assumed-role/"));
      failures.push(...refusals(records));
      return { records, failures };
    } finally {
      await world.close();
    }
  }

  const scenarios: Record<ScenarioName, (role: DeployedRole) => Promise<Outcome>> = { rounds, partFails, chain };
  const usedBy = new Map<string, ScenarioName>();

  it("runs every scenario cleanly with the generated policy, using every action it grants", async () => {
    const granted = grantedActions(deployment.taskRole);
    for (const name of Object.keys(scenarios) as ScenarioName[]) {
      const outcome = await scenarios[name](deployment.taskRole);
      assert.deepEqual(outcome.failures, [], `scenario ${name} with the generated policy`);
      for (const record of outcome.records) if (!usedBy.has(record.action)) usedBy.set(record.action, name);
    }
    const unused = granted.filter((action) => !usedBy.has(action));
    assert.deepEqual(unused, [], "the policy grants actions no scenario of the worker uses");
    assert.ok(granted.includes("dynamodb:BatchGetItem"));
  });

  it("fails the worker's run for each granted action removed, naming the action", async () => {
    const granted = grantedActions(deployment.taskRole);
    assert.ok(usedBy.size > 0, "the clean runs above record which scenario uses each action");
    const results: Array<[string, Outcome]> = [];
    // Two runs at a time: they use their own sites and sessions, so they share the stores safely.
    for (let i = 0; i < granted.length; i += 2) {
      const batch = granted.slice(i, i + 2);
      results.push(
        ...(await Promise.all(
          batch.map(async (action): Promise<[string, Outcome]> => [
            action,
            await scenarios[usedBy.get(action)!](withoutAction(deployment.taskRole, action)),
          ]),
        )),
      );
    }
    for (const [action, outcome] of results) {
      // IAM_MUTATION_REPORT=1 prints how each mutated run failed.
      if (process.env.IAM_MUTATION_REPORT)
        console.log(`${action} (${usedBy.get(action)}): ${outcome.failures.join("; ")}`);
      assert.ok(outcome.failures.length > 0, `removing ${action} left the ${usedBy.get(action)} scenario passing`);
      const refusal = outcome.records.find((r) => r.action === action && r.decision === "implicitDeny");
      assert.ok(refusal, `removing ${action}: no call was refused for it (failures: ${outcome.failures.join("; ")})`);
    }
  });
});

describe("the task role's fan-out (SQS) grants, mutated action by action", function () {
  this.timeout(300_000);
  let deployment: StackDeployment;

  before(async () => {
    deployment = await loadDeployment("prod");
  });

  /**
   * A fan-out round on a fresh copy of the stack's stores: the producer (`sync`) queues every download, one consumer
   * (`consume`) works through them once the first batch was offered, and the round must complete with the mirror
   * equal to the library. A consumer that gives up leaves tasks in the queue: the producer is then stopped, as the
   * round could never complete.
   */
  async function fanOutRound(role: DeployedRole): Promise<Outcome> {
    // Two deliveries before dead-lettering (the stack has five), so that a task no consumer can delete ends sooner.
    const h = await WorkerHarness.start({ pageSize: 20 }, { deployment, queueMaxReceiveCount: 2 });
    try {
      const session = h.stores.iam!.newSession(role);
      const library = h.library();
      library.generate({ files: 6, folders: 1, seed: 61, maxSize: 4096 });
      const env = h.fanOutEnv(sessionEnv(session));
      const failures: string[] = [];
      const producer = h.startSync([], env);
      const offered = h.stores.iam!.enforcer.waitFor(
        (r) => r.principal === session.arn && r.action === "sqs:SendMessage",
      );
      await Promise.race([offered, producer.exited]);
      const consumer = h.spawn(
        ["consume", "--graph-auth", "none", "--idle-exit", "2", "--visibility", "1", "--concurrency", "2"],
        env,
      );
      const consumed = await consumer.exited;
      if (consumed.code !== 0) {
        const error = consumed.logs.find((l) => l.level === 50)?.msg;
        failures.push(`consumer exited ${consumed.code}${error === undefined ? "" : `: ${String(error)}`}`);
      }
      // Tasks still in the queue with no consumer left: the round cannot complete, so it is stopped.
      const { visible, inFlight } = h.fanOut.sqs.depth(h.fanOut.queue.name);
      if (visible + inFlight > 0) {
        failures.push(`the queue was left with ${visible + inFlight} tasks`);
        producer.child.kill("SIGTERM");
      }
      const produced = await producer.exited;
      if (produced.code !== 0) failures.push(`producer exited ${produced.code ?? produced.signal}`);
      const mismatches = await mirrorMismatches(h, library);
      if (mismatches.length > 0) failures.push(`mirror differs (${mismatches[0]})`);
      const records = h.stores.iam!.enforcer.records.filter((r) => r.principal === session.arn);
      failures.push(...refusals(records));
      return { records, failures };
    } finally {
      await h.close();
    }
  }

  const sqsGrants = () => grantedActions(deployment.taskRole).filter((action) => action.startsWith("sqs:"));

  it("runs the fan-out cleanly with the generated policy, using every SQS action it grants", async () => {
    assert.deepEqual(sqsGrants(), [
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
    ]);
    const outcome = await fanOutRound(deployment.taskRole);
    assert.deepEqual(outcome.failures, [], "the fan-out with the generated policy");
    const used = new Set(outcome.records.map((r) => r.action));
    assert.deepEqual(
      sqsGrants().filter((action) => !used.has(action)),
      [],
      "the policy grants SQS actions the fan-out does not use",
    );
    // Both queues' grants are used: the dead-letter queue's depth is read for the quarantine count.
    const depths = outcome.records.filter((r) => r.action === "sqs:GetQueueAttributes").map((r) => r.resource);
    assert.deepEqual(
      [...new Set(depths)].sort(),
      [deployment.fanOut!.deadLetterQueue.arn, deployment.fanOut!.queue.arn].sort(),
    );
  });

  it("fails the fan-out for each granted SQS action removed, naming the action", async () => {
    const results: Array<[string, Outcome]> = [];
    // Two runs at a time, each on its own stores.
    const grants = sqsGrants();
    for (let i = 0; i < grants.length; i += 2) {
      results.push(
        ...(await Promise.all(
          grants
            .slice(i, i + 2)
            .map(async (action): Promise<[string, Outcome]> => [
              action,
              await fanOutRound(withoutAction(deployment.taskRole, action)),
            ]),
        )),
      );
    }
    for (const [action, outcome] of results) {
      if (process.env.IAM_MUTATION_REPORT) console.log(`${action} (fan-out): ${outcome.failures.join("; ")}`);
      assert.ok(outcome.failures.length > 0, `removing ${action} left the fan-out passing`);
      const refusal = outcome.records.find((r) => r.action === action && r.decision === "implicitDeny");
      assert.ok(refusal, `removing ${action}: no call was refused for it (failures: ${outcome.failures.join("; ")})`);
      // The consumer's own grants: it stops at once and says what to allow, rather than letting every task drift
      // into the dead-letter queue while it exits 0.
      if (action !== "sqs:SendMessage")
        assert.ok(
          outcome.failures.some((f) => /^consumer exited 1: SQS refused the consumer .*allow the task role/.test(f)),
          `removing ${action}: ${outcome.failures.join("; ")}`,
        );
    }
  });
});
