// Every Graph request goes through here: the shared throttle gate, a bearer token from the one
// credential of the process, and retries with exponential backoff and full jitter for 5xx answers
// and network errors (exponential-backoff). Other statuses go back to the caller, which knows
// whether a 401, 404 or 410 means "refresh", "gone" or "resync".
import type { TokenCredential } from "@azure/identity";
import { backOff } from "exponential-backoff";
import { GRAPH_SCOPE } from "../credentials";
import { redact } from "./errors";
import { ThrottleGate, retryAfterMs } from "./throttle-gate";

export interface GraphHttpOptions {
  /** undefined only for --graph-auth none (loopback emulator). */
  readonly credential?: TokenCredential;
  readonly gate?: ThrottleGate;
  /** Attempts for 5xx and network errors (throttling does not count: it waits as long as Graph says). */
  readonly maxAttempts?: number;
  readonly startingDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up on one request after this many throttled answers in a row. */
  readonly maxThrottledAnswers?: number;
  /** Pause used for a 429 that carries no Retry-After. */
  readonly defaultRetryAfterMs?: number;
  readonly onRetry?: (event: { url: string; reason: string; attempt: number }) => void;
}

class TransientError extends Error {}

export class GraphHttp {
  readonly gate: ThrottleGate;
  private readonly opts: Required<Omit<GraphHttpOptions, "credential" | "gate" | "onRetry">>;
  /** Counters for the run summary. */
  readonly counts = { requests: 0, throttled: 0, retried: 0 };

  constructor(private readonly options: GraphHttpOptions = {}) {
    this.gate = options.gate ?? new ThrottleGate();
    this.opts = {
      maxAttempts: options.maxAttempts ?? 8,
      startingDelayMs: options.startingDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      maxThrottledAnswers: options.maxThrottledAnswers ?? 100,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
    };
  }

  /**
   * GET `url`. `authenticated: false` is for pre-authenticated download URLs, which must never
   * receive our bearer token. Resolves with any non-retryable response; the caller checks `ok`.
   */
  async get(
    url: string,
    init: { authenticated: boolean; signal?: AbortSignal; headers?: Record<string, string> },
  ): Promise<Response> {
    return backOff(() => this.untilNotThrottled(url, init), {
      numOfAttempts: this.opts.maxAttempts,
      startingDelay: this.opts.startingDelayMs,
      maxDelay: this.opts.maxDelayMs,
      jitter: "full",
      retry: (err: unknown, attempt: number) => {
        if (!(err instanceof TransientError) || init.signal?.aborted) return false;
        this.counts.retried++;
        this.options.onRetry?.({ url: redact(url), reason: err.message, attempt });
        return true;
      },
    });
  }

  private async untilNotThrottled(
    url: string,
    init: { authenticated: boolean; signal?: AbortSignal; headers?: Record<string, string> },
  ): Promise<Response> {
    for (let throttled = 0; ; throttled++) {
      await this.gate.pass(init.signal);
      const response = await this.fetchOnce(url, init);
      const isThrottle = response.status === 429 || (response.status === 503 && response.headers.has("retry-after"));
      if (!isThrottle) {
        if (response.status >= 500) {
          await response.body?.cancel();
          throw new TransientError(`HTTP ${response.status}`);
        }
        return response;
      }
      await response.body?.cancel();
      this.counts.throttled++;
      if (throttled + 1 >= this.opts.maxThrottledAnswers) {
        throw new Error(
          `Graph kept throttling ${redact(url)} (${throttled + 1} answers in a row); giving up on this request`,
        );
      }
      this.gate.close(retryAfterMs(response.headers.get("retry-after"), this.opts.defaultRetryAfterMs));
      this.options.onRetry?.({
        url: redact(url),
        reason: `throttled (${response.status}, Retry-After ${response.headers.get("retry-after") ?? "none"})`,
        attempt: throttled + 1,
      });
    }
  }

  private async fetchOnce(
    url: string,
    init: { authenticated: boolean; signal?: AbortSignal; headers?: Record<string, string> },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.authenticated && this.options.credential) {
      const token = await this.options.credential.getToken(GRAPH_SCOPE, { abortSignal: init.signal });
      if (!token) throw new Error("The Graph credential returned no access token");
      headers.authorization = `Bearer ${token.token}`;
    }
    this.counts.requests++;
    try {
      return await fetch(url, { headers, signal: init.signal, redirect: "manual" });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      // Connection reset, refused, DNS: worth another attempt.
      throw new TransientError(`network error: ${(err as Error).cause ?? (err as Error).message}`);
    }
  }
}
