// Bounded parallelism over a list, with p-limit doing the limiting: at most `concurrency` tasks in
// flight. When `stop` fires no new task starts; tasks already running are awaited (they watch their
// own abort signal). The first failure also stops new work, and is thrown once everything in flight
// has settled.
import pLimit from "p-limit";

export interface PoolResult {
  /** Whether every task ran (false when stopped early). */
  readonly completed: boolean;
}

export async function runPool<T>(
  tasks: Iterable<T>,
  concurrency: number,
  run: (task: T) => Promise<unknown>,
  stop?: AbortSignal,
): Promise<PoolResult> {
  const limit = pLimit(concurrency);
  let failure: { error: unknown } | undefined;
  let skipped = false;
  await Promise.all(
    Array.from(tasks, (task) =>
      limit(async () => {
        if (failure !== undefined || stop?.aborted) {
          skipped = true;
          return;
        }
        try {
          await run(task);
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure !== undefined) throw failure.error;
  return { completed: !skipped && !stop?.aborted };
}
