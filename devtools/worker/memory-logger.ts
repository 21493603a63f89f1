// pino writing its JSON lines into an array (and to a listener), as the worker's stdout would: tests
// read what the worker logged without a child process.
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

export function memoryLogger(
  logs: Array<Record<string, unknown>>,
  onLine?: (line: Record<string, unknown>) => void,
  level = "debug",
): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n")) {
        if (!text.trim()) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        logs.push(line);
        onLine?.(line);
      }
      done();
    },
  });
  return pino({ level }, sink);
}
