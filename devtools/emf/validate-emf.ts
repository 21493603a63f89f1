// Validates a log line against the CloudWatch Embedded Metric Format specification:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// The structure is checked with a JSON schema (Ajv) written from the specification's own schema
// and limits; the rules a schema cannot express (every referenced dimension is a top-level string,
// every referenced metric a top-level number or array of at most 100 numbers) are checked in code.
import Ajv from "ajv";

/** The units CloudWatch accepts (MetricDatum.Unit). */
const UNITS = [
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
];

const nonEmpty = { type: "string", minLength: 1, maxLength: 1024 };
export const EMF_SCHEMA = {
  type: "object",
  required: ["_aws"],
  properties: {
    _aws: {
      type: "object",
      required: ["Timestamp", "CloudWatchMetrics"],
      properties: {
        Timestamp: { type: "integer", minimum: 0 },
        LogGroupName: { type: "string" },
        CloudWatchMetrics: {
          type: "array",
          items: {
            type: "object",
            required: ["Namespace", "Dimensions", "Metrics"],
            properties: {
              Namespace: { type: "string", minLength: 1, maxLength: 1024, pattern: "^[^:].*$" },
              Dimensions: {
                type: "array",
                items: {
                  type: "array",
                  items: { type: "string", minLength: 1, maxLength: 250 },
                  minItems: 0,
                  maxItems: 30,
                },
              },
              Metrics: {
                type: "array",
                maxItems: 100,
                items: {
                  type: "object",
                  required: ["Name"],
                  properties: {
                    Name: nonEmpty,
                    Unit: { enum: UNITS },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(EMF_SCHEMA);

/** Problems with `line` as an EMF document; empty when it is valid. */
export function emfProblems(line: unknown): string[] {
  if (!validate(line)) return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  const doc = line as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  };
  const problems: string[] = [];
  for (const directive of doc._aws.CloudWatchMetrics) {
    for (const key of directive.Dimensions.flat())
      if (typeof doc[key] !== "string") problems.push(`dimension ${key} is not a top-level string member`);
    for (const { Name } of directive.Metrics) {
      const value = doc[Name];
      const values = Array.isArray(value) ? value : [value];
      if (
        values.length === 0 ||
        values.length > 100 ||
        values.some((v) => typeof v !== "number" || !Number.isFinite(v))
      )
        problems.push(`metric ${Name} is not a top-level number or array of 1-100 numbers`);
    }
  }
  return problems;
}
