/**
 * Progress for long runs, on stderr and only when stderr is a terminal (a CI log gets the result, not a bar):
 * analysing 2,000 resources or linting a directory of workflows shows how far it got.
 */
import { Presets, SingleBar } from "cli-progress";
import type { CliIo } from "./io";

export interface Progress {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

const silent: Progress = { start: () => undefined, update: () => undefined, stop: () => undefined };

export function progressFor(io: CliIo, enabled = true): Progress {
  if (!io.interactive || !enabled) return silent;
  let bar: SingleBar | undefined;
  return {
    start(label, total) {
      bar?.stop();
      bar = new SingleBar(
        { stream: process.stderr, format: `${label} {bar} {value}/{total}`, hideCursor: true, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    update: (done) => bar?.update(done),
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
