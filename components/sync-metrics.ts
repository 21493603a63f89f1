/**
 * The metrics the alarms and the dashboard read. The worker writes the `ZeroSecrets/Sync` metrics in Embedded Metric
 * Format (`worker/src/runtime/run-metrics.ts`) under the names of the shared contract; the ECS task metrics come from
 * metric filters on the task-state events.
 */
export { METRICS_NAMESPACE, SITE_DIMENSION, WORKER_METRIC } from "../worker/src/contract";

/** Counted from ECS "Task State Change" events of the sync task (no dimension: the whole stack). */
export const TASK_METRIC = {
  /** A task that stopped with an exit code the worker uses for failure, or never started. */
  tasksFailed: "TasksFailed",
  /** A Fargate Spot task stopped by a Spot interruption. */
  spotInterruptions: "SpotInterruptions",
} as const;

/** Interval of an EventBridge Scheduler `rate(...)` expression in seconds; undefined for `cron(...)`. */
export function rateSeconds(scheduleExpression: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(scheduleExpression);
  if (!m) return undefined;
  const unit = m[2]!.startsWith("minute") ? 60 : m[2]!.startsWith("hour") ? 3600 : 86_400;
  return Number(m[1]) * unit;
}
