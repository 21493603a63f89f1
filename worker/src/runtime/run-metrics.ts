// CloudWatch metrics of one worker run, in Embedded Metric Format, written through the worker's pino
// logger: the awslogs driver ships stdout to CloudWatch Logs, which extracts the metrics from any log
// event that is a valid EMF object (no agent, no PutMetricData permission; the x-amzn-logs-format
// header is optional: CloudWatch_Embedded_Metric_Format_Generation_PutLogEvents.html).
//
// The EMF document is built and serialised by aws-embedded-metrics (awslabs, Apache-2.0): its
// MetricsLogger validates names, units and dimensions, and its LogSerializer splits documents past
// CloudWatch's limits (100 metrics or 100 values each). Its built-in sinks write with console.log or
// to a CloudWatch agent socket; here a sink hands each document to pino instead, so metrics and logs
// share one synchronous stream and the logger's bindings (pid, siteId) ride along as properties.
import type { Logger } from "pino";
import { MetricsLogger, StorageResolution, Unit } from "aws-embedded-metrics";
import type { IEnvironment } from "aws-embedded-metrics/lib/environment/IEnvironment";
import type { MetricsContext } from "aws-embedded-metrics/lib/logger/MetricsContext";
import { LogSerializer } from "aws-embedded-metrics/lib/serializers/LogSerializer";
import { METRICS_NAMESPACE, SITE_DIMENSION, WORKER_METRIC as METRIC } from "../contract";

/** What one run did; undefined fields are not emitted (e.g. no round duration until a round completes). */
export interface RunMetrics {
  readonly siteId: string;
  readonly failed: boolean;
  readonly roundCompleted: boolean;
  readonly items?: number;
  readonly bytes?: number;
  readonly pages?: number;
  readonly throttled?: number;
  /** Items of the site in quarantine at the end of the run. */
  readonly quarantined?: number;
  readonly roundDurationSeconds?: number;
  readonly secondsSinceLastCompletedRound?: number;
}

/** Writes the run's metrics as one EMF log line (more if CloudWatch's per-document limits require). */
export async function emitRunMetrics(logger: Logger, run: RunMetrics): Promise<void> {
  const metrics = new MetricsLogger(async () => pinoEnvironment(logger));
  metrics.setNamespace(METRICS_NAMESPACE);
  metrics.setDimensions({ [SITE_DIMENSION]: run.siteId });
  const put = (name: string, value: number | undefined, unit: Unit) => {
    if (value !== undefined) metrics.putMetric(name, value, unit, StorageResolution.Standard);
  };
  put(METRIC.runs, 1, Unit.Count);
  put(METRIC.runsFailed, run.failed ? 1 : 0, Unit.Count);
  put(METRIC.roundsCompleted, run.roundCompleted ? 1 : 0, Unit.Count);
  put(METRIC.items, run.items, Unit.Count);
  put(METRIC.bytes, run.bytes, Unit.Bytes);
  put(METRIC.pages, run.pages, Unit.Count);
  put(METRIC.throttled, run.throttled, Unit.Count);
  put(METRIC.quarantined, run.quarantined, Unit.Count);
  put(METRIC.roundDuration, run.roundDurationSeconds, Unit.Seconds);
  put(METRIC.sinceLastRound, run.secondsSinceLastCompletedRound, Unit.Seconds);
  await metrics.flush();
}

/** The library's extension point: an environment whose sink is the pino logger. */
function pinoEnvironment(logger: Logger): IEnvironment {
  const serializer = new LogSerializer();
  return {
    probe: async () => true,
    getName: () => "sync-worker",
    getType: () => "AWS::ECS::Container",
    getLogGroupName: () => "",
    configureContext: () => undefined,
    getSink: () => ({
      name: "PinoSink",
      accept: async (context: MetricsContext) => {
        for (const document of serializer.serialize(context)) logger.info(JSON.parse(document), "metrics");
      },
    }),
  };
}
