// The worker's CloudWatch metrics: EMF lines through its pino logger, valid against the EMF
// specification (devtools/emf), with the documented namespace, dimension and names; first from
// emitRunMetrics in-process, then from the real worker process's stdout.
import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import pino from "pino";
import { emfProblems } from "../../devtools/emf/validate-emf";
import { SITE_ID, WorkerHarness, summaryOf } from "../../devtools/worker/harness";
import { METRICS_NAMESPACE, SITE_DIMENSION, WORKER_METRIC as METRIC } from "../../worker/src/contract";
import { emitRunMetrics } from "../../worker/src/runtime/run-metrics";

type Line = Record<string, unknown> & {
  _aws?: {
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
};

function capture(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n")) if (text.trim()) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: pino({ base: { pid: 1, siteId: "bound" } }, sink), lines };
}

describe("worker metrics in Embedded Metric Format", () => {
  it("writes one valid EMF line per run, dimensioned by site, with CloudWatch units", async () => {
    const { logger, lines } = capture();
    await emitRunMetrics(logger, {
      siteId: SITE_ID,
      failed: false,
      roundCompleted: true,
      items: 120,
      bytes: 4096,
      pages: 3,
      throttled: 2,
      quarantined: 1,
      roundDurationSeconds: 42,
      secondsSinceLastCompletedRound: 0,
    });
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.deepEqual(emfProblems(line), []);
    const [directive] = line._aws!.CloudWatchMetrics;
    assert.equal(directive!.Namespace, METRICS_NAMESPACE);
    assert.deepEqual(directive!.Dimensions, [[SITE_DIMENSION]]);
    assert.equal(line[SITE_DIMENSION], SITE_ID);
    const units = Object.fromEntries(directive!.Metrics.map((m) => [m.Name, m.Unit]));
    assert.deepEqual(units, {
      [METRIC.runs]: "Count",
      [METRIC.runsFailed]: "Count",
      [METRIC.roundsCompleted]: "Count",
      [METRIC.items]: "Count",
      [METRIC.bytes]: "Bytes",
      [METRIC.pages]: "Count",
      [METRIC.throttled]: "Count",
      [METRIC.quarantined]: "Count",
      [METRIC.roundDuration]: "Seconds",
      [METRIC.sinceLastRound]: "Seconds",
    });
    assert.equal(line[METRIC.items], 120);
    assert.equal(line.msg, "metrics", "it is an ordinary log line of the worker's logger");
    assert.equal(line.siteId, "bound", "the logger's bindings ride along as properties");
  });

  it("leaves out what a run does not know, and the validator rejects what EMF forbids", async () => {
    const { logger, lines } = capture();
    await emitRunMetrics(logger, { siteId: SITE_ID, failed: true, roundCompleted: false });
    const names = lines[0]!._aws!.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name);
    assert.deepEqual(names.sort(), [METRIC.roundsCompleted, METRIC.runs, METRIC.runsFailed]);
    assert.deepEqual(emfProblems(lines[0]), []);
    // The checks can fail: a missing dimension member, a string metric, an unknown unit, no timestamp.
    const bad = structuredClone(lines[0]!);
    delete bad[SITE_DIMENSION];
    bad[METRIC.runs] = "1";
    assert.deepEqual(emfProblems(bad), [
      `dimension ${SITE_DIMENSION} is not a top-level string member`,
      `metric ${METRIC.runs} is not a top-level number or array of 1-100 numbers`,
    ]);
    const badUnit = structuredClone(lines[0]!);
    badUnit._aws!.CloudWatchMetrics[0]!.Metrics[0]!.Unit = "Items";
    assert.match(emfProblems(badUnit).join(), /Unit must be equal to one of the allowed values/);
    const noTimestamp = structuredClone(lines[0]!) as { _aws: Record<string, unknown> };
    delete noTimestamp._aws.Timestamp;
    assert.match(emfProblems(noTimestamp).join(), /must have required property 'Timestamp'/);
  });

  describe("from the real worker process", function () {
    this.timeout(90_000);
    let h: WorkerHarness;
    before(async () => {
      h = await WorkerHarness.start({ pageSize: 20 });
    });
    after(async () => h.close());

    const metricLines = (logs: Array<Record<string, unknown>>) => logs.filter((l) => "_aws" in l) as Line[];

    it("reports a chunk that stopped with work left, then the run that completed the round", async () => {
      const library = h.library();
      library.generate({ files: 50, folders: 3, seed: 41, maxSize: 1024 });
      const chunk = await h.sync(["--max-duration", "0"]);
      assert.equal(chunk.code, 3, chunk.stderr);
      const [first] = metricLines(chunk.logs);
      assert.ok(first, "the chunk wrote its metrics");
      assert.deepEqual(emfProblems(first), []);
      assert.equal(first[SITE_DIMENSION], SITE_ID);
      assert.equal(first[METRIC.roundsCompleted], 0);
      assert.equal(first[METRIC.runsFailed], 0);
      assert.equal(first[METRIC.pages], 1);
      assert.equal(first[METRIC.sinceLastRound], undefined, "no round has ever completed");

      const rest = await h.sync();
      assert.equal(rest.code, 0, rest.stderr);
      const [second] = metricLines(rest.logs);
      assert.deepEqual(emfProblems(second), []);
      assert.equal(second![METRIC.roundsCompleted], 1);
      assert.equal(second![METRIC.sinceLastRound], 0);
      assert.equal(typeof second![METRIC.roundDuration], "number");
      // The round's own count (the summary of its last run) is the sum of what each run did.
      assert.equal(
        (first[METRIC.items] as number) + (second![METRIC.items] as number),
        summaryOf(rest).items,
        "items are counted once across the two runs",
      );
    });

    it("counts the worker's own quarantine in QuarantinedItems: exit 65 is a completed round, not a failure", async () => {
      const library = h.library();
      const [poisoned] = [...library.expectedFiles().keys()];
      library.updateFile(poisoned!, { size: 2048, seed: 9 });
      h.graph.faults.failDownloadsOf(poisoned!, 403);
      const run = await h.sync();
      assert.equal(run.code, 65, run.stderr);
      const [line] = metricLines(run.logs);
      assert.deepEqual(emfProblems(line), []);
      assert.equal(line![METRIC.quarantined], 1);
      assert.equal(line![METRIC.roundsCompleted], 1);
      assert.equal(line![METRIC.runsFailed], 0);
      // Still in quarantine at the next run (retried, refused again): the metric is the quarantine's size.
      const again = await h.sync();
      assert.equal(again.code, 65, again.stderr);
      assert.equal(metricLines(again.logs)[0]![METRIC.quarantined], 1);
      h.graph.faults.clear();
    });

    it("reports a failed run", async () => {
      h.graph.faults.failNext(1, 400);
      const failed = await h.sync();
      assert.equal(failed.code, 1);
      const [line] = metricLines(failed.logs);
      assert.deepEqual(emfProblems(line), []);
      assert.equal(line![METRIC.runsFailed], 1);
      assert.equal(line![METRIC.roundsCompleted], 0);
    });
  });
});
