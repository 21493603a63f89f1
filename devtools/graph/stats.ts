// What the emulator served, so tests and benches can assert on traffic (pages, downloads, throttles).
export interface EmulatorStats {
  /** Every request, API and download. */
  requests: number;
  deltaPages: number;
  itemGets: number;
  contentRedirects: number;
  downloads: number;
  bytesServed: number;
  /** 429/503 answers, from faults.throttle and from the rate limit. */
  throttled: number;
  /** 410 answers. */
  gone: number;
  /** Answers from faults.failNext and faults.failDownloads. */
  failed: number;
  resets: number;
  /** Requests the authorise hook refused. */
  refused: number;
  /** Requests per route name (delta, item, content, drive, download, unknown). */
  routes: Record<string, number>;
  resetStats(): void;
}

function zeroCounts(): Omit<EmulatorStats, "resetStats"> {
  return {
    requests: 0,
    deltaPages: 0,
    itemGets: 0,
    contentRedirects: 0,
    downloads: 0,
    bytesServed: 0,
    throttled: 0,
    gone: 0,
    failed: 0,
    resets: 0,
    refused: 0,
    routes: {},
  };
}

export function createStats(): EmulatorStats {
  const stats: EmulatorStats = {
    ...zeroCounts(),
    resetStats() {
      Object.assign(stats, zeroCounts());
    },
  };
  return stats;
}
