// Bounded parallelism over a list: at most `concurrency` tasks in flight. When `stop` fires no new
// task starts; tasks already running are awaited (they watch their own abort signal). The first
// failure also stops new work, and is thrown once everything in flight has settled.
export interface PoolResult {
  /** Whether every task ran (false when stopped early). */
  readonly completed: boolean;
}

export async function runPool<T>(
  tasks: readonly T[],
  concurrency: number,
  run: (task: T) => Promise<void>,
  stop?: AbortSignal,
): Promise<PoolResult> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < tasks.length && failure === undefined && !stop?.aborted) {
      const task = tasks[next++];
      try {
        await run(task);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, lane));
  if (failure !== undefined) throw failure.error;
  return { completed: next >= tasks.length && !stop?.aborted };
}
