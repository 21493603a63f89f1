// Structured JSON logs on stdout (pino). Synchronous writes: a container killed right after a line
// was logged must not lose it, and the volume (a line per few seconds) makes the cost irrelevant.
import pino, { type Logger } from "pino";

export function createLogger(bindings: Record<string, unknown> = {}, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino(
    { name: "sync-worker", level, base: { pid: process.pid, ...bindings } },
    pino.destination({ fd: 1, sync: true }),
  );
}
