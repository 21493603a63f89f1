/**
 * The project's dev and prod stacks under the mock runtime, run once per test run and shared by every suite that
 * reads them (the program's tests, the gate over its own stacks, the plan): each run takes a child process and a
 * second or two, and the program does not change during a run. Suites that change the program run their own copy.
 */
import { runStackUnderMocks, type RunOptions, type StackRun } from "../tools/mock-runtime";

const runs = new Map<string, Promise<StackRun>>();

/** One recording per stack and mode; later callers get the same promise. */
export function recordedStack(
  stack: string,
  mode: Pick<RunOptions, "preview" | "dryRun" | "outputs"> = {},
): Promise<StackRun> {
  const key = JSON.stringify([stack, mode.preview ?? false, mode.dryRun, mode.outputs]);
  let run = runs.get(key);
  if (run === undefined) {
    run = runStackUnderMocks({ stack, ...mode });
    runs.set(key, run);
    // A failed run is not kept: the next suite gets a fresh attempt and its own error.
    run.catch(() => runs.delete(key));
  }
  return run;
}

/** The recording the plan uses: a preview (isDryRun true) with plausible computed outputs. */
export function recordedPlanRun(stack: string): Promise<StackRun> {
  return recordedStack(stack, { dryRun: true, outputs: "mocked" });
}
