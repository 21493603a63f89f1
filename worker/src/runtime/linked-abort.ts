// An AbortController that also aborts when any of `parents` does, and that lets go of them when
// disposed. AbortSignal.any would do the first half, but every call registers with the long-lived
// run signals for as long as those live; per request and per upload that adds up over a round of a
// million items.
export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  dispose(): void;
}

export function linkedAbort(...parents: Array<AbortSignal | undefined>): LinkedAbort {
  const controller = new AbortController();
  const live = parents.filter((p): p is AbortSignal => p !== undefined);
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const parent of live) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener("abort", onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      for (const parent of live) parent.removeEventListener("abort", onAbort);
    },
  };
}
